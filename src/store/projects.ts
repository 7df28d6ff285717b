import { type Kysely, type Selectable, sql } from 'kysely';
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

/**
 * Projects of an organization ordered by key, after `after` when given; `limit + 1` rows.
 * With `within`, only keys that may be in that selection: the listed keys, and keys `LIKE`
 * each pattern (`*` as `%`). SQLite's LIKE ignores ASCII case, so the caller still checks
 * each row with scopeIncludes; the filter only keeps the store from handing over the whole
 * organization to find a few projects.
 */
export function listProjects(
  db: Kysely<Database>,
  orgId: string,
  page: { limit: number; after?: string | undefined },
  within?: { keys: string[]; patterns: string[] },
): Promise<ProjectRow[]> {
  let query = db
    .selectFrom('projects')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('key')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('key', '>', page.after);
  if (within) {
    query = query.where((eb) =>
      eb.or([
        ...(within.keys.length > 0 ? [eb('key', 'in', within.keys)] : []),
        ...within.patterns.map(
          (pattern) =>
            sql<boolean>`${eb.ref('key')} like ${pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%')} escape '\\'`,
        ),
      ]),
    );
  }
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
