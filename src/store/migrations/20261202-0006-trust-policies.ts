import type { Kysely } from 'kysely';

// Frozen: never edit after it lands. Secretless CI (SPEC §12): trust policies per
// organization, the JWT ids already exchanged (kept until they expire), and the short-lived
// ote_ tokens minted from them, which live in `tokens` like every other token.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('trust_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('projects', 'text', (c) => c.notNull())
    .addColumn('ttl_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('uq_trust_policies_org_id_name', ['org_id', 'name'])
    .execute();
  await db.schema
    .createIndex('trust_policies_by_issuer')
    .on('trust_policies')
    .columns(['org_id', 'issuer', 'audience'])
    .execute();

  await db.schema
    .createTable('oidc_replay')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_replay_pk', ['issuer', 'jti'])
    .execute();
  await db.schema
    .createIndex('oidc_replay_by_expiry')
    .on('oidc_replay')
    .column('expires_at')
    .execute();

  await db.schema
    .alterTable('tokens')
    .addColumn('policy_id', 'text', (c) => c.references('trust_policies.id').onDelete('set null'))
    .execute();
  await db.schema.alterTable('tokens').addColumn('ci_context', 'text').execute();
  await db.schema
    .createIndex('tokens_by_policy')
    .on('tokens')
    .columns(['policy_id', 'id'])
    .execute();

  await db.schema.alterTable('analyses').addColumn('ci_context', 'text').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('analyses').dropColumn('ci_context').execute();
  await db.schema.dropIndex('tokens_by_policy').execute();
  await db.schema.alterTable('tokens').dropColumn('ci_context').execute();
  await db.schema.alterTable('tokens').dropColumn('policy_id').execute();
  await db.schema.dropTable('oidc_replay').execute();
  await db.schema.dropTable('trust_policies').execute();
}
