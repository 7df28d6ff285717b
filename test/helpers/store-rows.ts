import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

/** An organization row written straight to the store (team plan), `id` also its key and name. */
export async function insertOrgRow(db: Kysely<Database>, id: string): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('orgs')
    .values({ id, key: id, name: id, plan: 'team', created_at: now, updated_at: now })
    .execute();
}

/** A project row of organization `orgId` written straight to the store, `id` also its key. */
export async function insertProjectRow(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('projects')
    .values({ id, org_id: orgId, key: id, name: id, created_at: now, updated_at: now })
    .execute();
}
