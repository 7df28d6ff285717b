import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, MembershipsTable, OrgsTable } from './schema.js';
import type { UserRow } from './users.js';

export type OrgRow = Selectable<OrgsTable>;
export type MembershipRow = Selectable<MembershipsTable>;

export function insertOrg(db: Kysely<Database>, row: Insertable<OrgsTable>): Promise<unknown> {
  return db.insertInto('orgs').values(row).execute();
}

export function findOrgByKey(db: Kysely<Database>, key: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('key', '=', key).executeTakeFirst();
}

export type OrgWithRole = OrgRow & { role: string | null };

/**
 * Organizations ordered by key with the role `userId` holds in each: only those it belongs
 * to, or every organization when `all` is set; `limit + 1` rows.
 */
export function listOrgs(
  db: Kysely<Database>,
  filter: { userId: string; all: boolean; limit: number; after?: string | undefined },
): Promise<OrgWithRole[]> {
  let query = db
    .selectFrom('orgs')
    .leftJoin('memberships', (join) =>
      join
        .onRef('memberships.org_id', '=', 'orgs.id')
        .on('memberships.user_id', '=', filter.userId),
    )
    .selectAll('orgs')
    .select('memberships.role')
    .orderBy('orgs.key')
    .limit(filter.limit + 1);
  if (!filter.all) query = query.where('memberships.role', 'is not', null);
  if (filter.after !== undefined) query = query.where('orgs.key', '>', filter.after);
  return query.execute();
}

export function updateOrg(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<OrgRow, 'name' | 'plan' | 'updated_at'>>,
): Promise<unknown> {
  return db.updateTable('orgs').set(changes).where('id', '=', id).execute();
}

/**
 * Serializes membership changes of one organization until the transaction ends: a no-op
 * update takes the row lock on PostgreSQL, and SQLite runs one writer at a time anyway. It
 * keeps two concurrent demotions from both passing the "one admin left" check.
 */
export function lockOrg(db: Kysely<Database>, orgId: string): Promise<unknown> {
  return db
    .updateTable('orgs')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', orgId)
    .execute();
}

export function findMembership(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<MembershipRow | undefined> {
  return db
    .selectFrom('memberships')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Adds the membership or changes its role; the primary key decides which. */
export function upsertMembership(db: Kysely<Database>, row: MembershipRow): Promise<unknown> {
  return db
    .insertInto('memberships')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role: row.role }))
    .execute();
}

export function deleteMembership(
  db: Kysely<Database>,
  orgId: string,
  userId: string,
): Promise<unknown> {
  return db
    .deleteFrom('memberships')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute();
}

export async function countAdmins(db: Kysely<Database>, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type MemberRow = MembershipRow & Pick<UserRow, 'email' | 'name' | 'active'>;

/** Members ordered by email, after `after` when given; `limit + 1` rows. */
export function listMembers(
  db: Kysely<Database>,
  orgId: string,
  page: { limit: number; after?: string | undefined },
): Promise<MemberRow[]> {
  let query = db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .selectAll('memberships')
    .select(['users.email', 'users.name', 'users.active'])
    .where('memberships.org_id', '=', orgId)
    .orderBy('users.email')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('users.email', '>', page.after);
  return query.execute();
}

/** The organization with this key and the role `userId` holds in it (null when none). */
export async function findOrgWithRole(
  db: Kysely<Database>,
  key: string,
  userId: string,
): Promise<{ org: OrgRow; role: string | null } | undefined> {
  const row = await db
    .selectFrom('orgs')
    .leftJoin('memberships', (join) =>
      join.onRef('memberships.org_id', '=', 'orgs.id').on('memberships.user_id', '=', userId),
    )
    .selectAll('orgs')
    .select('memberships.role')
    .where('orgs.key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  const { role, ...org } = row;
  return { org, role };
}

/** The keys of these organizations, by id (for showing what a token is narrowed to). */
export async function findOrgKeys(
  db: Kysely<Database>,
  ids: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('orgs')
    .select(['id', 'key'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((row) => [row.id, row.key]));
}

/**
 * Who hears about a token by email: the organization's admins, and `alsoUserId` (the token's
 * creator) while still a member; active accounts only.
 */
export async function notificationRecipients(
  db: Kysely<Database>,
  orgId: string,
  alsoUserId: string | null,
): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.org_id', '=', orgId)
    .where('users.active', '=', 1)
    .where((eb) =>
      alsoUserId === null
        ? eb('memberships.role', '=', 'admin')
        : eb.or([eb('memberships.role', '=', 'admin'), eb('memberships.user_id', '=', alsoUserId)]),
    )
    .orderBy('users.email')
    .execute();
  return rows.map((row) => row.email);
}
