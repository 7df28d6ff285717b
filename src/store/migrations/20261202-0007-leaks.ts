import type { Kysely } from 'kysely';

// Frozen: never edit after it lands. Leaked tokens (SPEC §11): when and where a token was
// reported as leaked, and each organization's leak response.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('leaked_at', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('leak_source', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('leak_url', 'text').execute();
  await db.schema
    .alterTable('orgs')
    .addColumn('leak_response', 'text', (c) => c.notNull().defaultTo('revoke'))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orgs').dropColumn('leak_response').execute();
  for (const column of ['leak_url', 'leak_source', 'leaked_at']) {
    await db.schema.alterTable('tokens').dropColumn(column).execute();
  }
}
