import { type Kysely, type Selectable, sql } from 'kysely';
import type { OrgRow } from './orgs.js';
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
 * The organization with key `orgKey`, the role `userId` holds in it (null when none) and its
 * project `projectKey` (null when none), in one read: what a person's read of one project
 * needs, decided by the caller in the order of docs/security.md.
 */
export async function findOrgRoleAndProject(
  db: Kysely<Database>,
  orgKey: string,
  userId: string,
  projectKey: string,
): Promise<{ org: OrgRow; role: string | null; project: ProjectRow | null } | undefined> {
  const row = await db
    .selectFrom('orgs')
    .leftJoin('memberships', (join) =>
      join.onRef('memberships.org_id', '=', 'orgs.id').on('memberships.user_id', '=', userId),
    )
    .leftJoin('projects', (join) =>
      join.onRef('projects.org_id', '=', 'orgs.id').on('projects.key', '=', projectKey),
    )
    .selectAll('orgs')
    .select([
      'memberships.role',
      'projects.id as project_id',
      'projects.key as project_key',
      'projects.name as project_name',
      'projects.created_at as project_created_at',
      'projects.updated_at as project_updated_at',
    ])
    .where('orgs.key', '=', orgKey)
    .executeTakeFirst();
  if (!row) return undefined;
  const {
    role,
    project_id,
    project_key,
    project_name,
    project_created_at,
    project_updated_at,
    ...org
  } = row;
  const project =
    project_id !== null &&
    project_key !== null &&
    project_name !== null &&
    project_created_at !== null &&
    project_updated_at !== null
      ? {
          id: project_id,
          org_id: org.id,
          key: project_key,
          name: project_name,
          created_at: project_created_at,
          updated_at: project_updated_at,
        }
      : null;
  return { org, role, project };
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
