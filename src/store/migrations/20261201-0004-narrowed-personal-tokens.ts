import type { Kysely } from 'kysely';

// Frozen: never edit after it lands. A personal access token may be narrowed to one
// organization (and a project scope in it, kept in `projects`). Its own column, not org_id:
// org_id marks organization tokens, and its unique name index must not join a person's
// token names to the organization's.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tokens')
    .addColumn('scope_org_id', 'text', (c) => c.references('orgs.id').onDelete('cascade'))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').dropColumn('scope_org_id').execute();
}
