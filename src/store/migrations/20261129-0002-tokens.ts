import { type Kysely, sql } from 'kysely';

// Frozen: never edit after it lands. Organization tokens and personal access tokens share one
// table, so authenticating a secret is one look-up by digest whatever its kind.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // Organization tokens belong to an organization; personal access tokens to a user.
    .addColumn('org_id', 'text', (c) => c.references('orgs.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('projects', 'text', (c) => c.notNull())
    .addColumn('allowed_cidrs', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('previous_digest', 'text')
    .addColumn('previous_valid_until', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('last_used_ip', 'text')
    .addColumn('last_used_user_agent', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .addColumn('revoked_by_name', 'text')
    .addColumn('rotated_at', 'text')
    .addUniqueConstraint('uq_tokens_digest', ['digest'])
    .execute();
  await db.schema
    .createIndex('ix_tokens_previous_digest')
    .on('tokens')
    .column('previous_digest')
    .execute();
  // Names are unique among an owner's tokens that are not revoked; revoked ones stay listed.
  await db.schema
    .createIndex('uq_tokens_org_id_name')
    .on('tokens')
    .columns(['org_id', 'name'])
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('uq_tokens_user_id_name')
    .on('tokens')
    .columns(['user_id', 'name'])
    .unique()
    .where(sql<boolean>`revoked_at is null and kind = 'personal'`)
    .execute();
  await db.schema
    .createIndex('ix_tokens_org_list')
    .on('tokens')
    .columns(['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('token_usage_daily')
    .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_token_usage_daily', ['token_id', 'day'])
    .execute();

  await db.schema
    .createTable('token_policies')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('orgs.id').onDelete('cascade'))
    .addColumn('max_lifetime_days', 'integer')
    .addColumn('require_expiry', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['token_policies', 'token_usage_daily', 'tokens']) {
    await db.schema.dropTable(table).execute();
  }
}
