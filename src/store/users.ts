import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from './schema.js';

export type UserRow = Selectable<UsersTable>;

export function insertUser(db: Kysely<Database>, row: UserRow): Promise<unknown> {
  return db.insertInto('users').values(row).execute();
}

export function findUserById(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Takes the row locks of the active instance admins with a no-op update (PostgreSQL; SQLite
 * runs one writer at a time anyway), so that two concurrent demotions or deactivations cannot
 * both pass the "one instance admin left" check.
 */
export function lockActiveInstanceAdmins(db: Kysely<Database>): Promise<unknown> {
  return db
    .updateTable('users')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('instance_admin', '=', 1)
    .where('active', '=', 1)
    .execute();
}

export async function countActiveInstanceAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('instance_admin', '=', 1)
    .where('active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Users ordered by email, after the email `after` when given; `limit + 1` rows. */
export function listUsers(
  db: Kysely<Database>,
  page: { limit: number; after?: string | undefined },
): Promise<UserRow[]> {
  let query = db
    .selectFrom('users')
    .selectAll()
    .orderBy('email')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('email', '>', page.after);
  return query.execute();
}

export function updateUser(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<UserRow, 'active' | 'instance_admin' | 'name' | 'updated_at'>>,
): Promise<unknown> {
  return db.updateTable('users').set(changes).where('id', '=', id).execute();
}
