import type { Kysely, Selectable } from 'kysely';
import type { Database, ProjectsTable } from './schema.js';

export type ProjectRow = Selectable<ProjectsTable>;

export function insertProject(db: Kysely<Database>, row: ProjectRow): Promise<unknown> {
  return db.insertInto('projects').values(row).execute();
}

export function findProject(
  db: Kysely<Database>,
  orgId: string,
  key: string,
): Promise<ProjectRow | undefined> {
  return db
    .selectFrom('projects')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Projects of an organization ordered by key, after `after` when given; `limit + 1` rows. */
export function listProjects(
  db: Kysely<Database>,
  orgId: string,
  page: { limit: number; after?: string | undefined },
): Promise<ProjectRow[]> {
  let query = db
    .selectFrom('projects')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('key')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('key', '>', page.after);
  return query.execute();
}

export function updateProject(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<ProjectRow, 'name' | 'updated_at'>>,
): Promise<unknown> {
  return db.updateTable('projects').set(changes).where('id', '=', id).execute();
}

export function deleteProject(db: Kysely<Database>, id: string): Promise<unknown> {
  return db.deleteFrom('projects').where('id', '=', id).execute();
}

/** Which of `keys` exist as projects of the organization. */
export async function findProjectKeys(
  db: Kysely<Database>,
  orgId: string,
  keys: string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom('projects')
    .select('key')
    .where('org_id', '=', orgId)
    .where('key', 'in', keys)
    .execute();
  return rows.map((row) => row.key);
}
