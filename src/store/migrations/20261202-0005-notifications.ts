import { type Kysely, sql } from 'kysely';

// Frozen: never edit after it lands. Notifications (SPEC §9, §10): per-organization settings,
// webhooks, a transactional outbox (events and their deliveries), the marks that make every
// expiry and stale notice happen once, and the rotated-out secrets that answer TOKEN_ROTATED.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('orgs.id').onDelete('cascade'))
    .addColumn('expiry_warning_days', 'text', (c) => c.notNull())
    .addColumn('stale_after_days', 'integer')
    .addColumn('email_admins', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_by_name', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhooks_by_org')
    .on('webhooks')
    .columns(['org_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('outbox_events_by_token')
    .on('outbox_events')
    .columns(['token_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('outbox_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) =>
      c.notNull().references('outbox_events.id').onDelete('cascade'),
    )
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'text', (c) => c.references('webhooks.id').onDelete('cascade'))
    .addColumn('recipient', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('response_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The delivery job reads only what is due; delivered and failed rows are not in it.
  await sql`create index outbox_deliveries_due on outbox_deliveries (next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  await db.schema
    .createIndex('outbox_deliveries_by_webhook')
    .on('outbox_deliveries')
    .columns(['webhook_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('outbox_deliveries_by_event')
    .on('outbox_deliveries')
    .column('event_id')
    .execute();

  await db.schema.alterTable('tokens').addColumn('expiry_notice_at', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('expiry_notice_days', 'integer').execute();
  await db.schema.alterTable('tokens').addColumn('stale_noticed_at', 'text').execute();
  await db.schema
    .alterTable('tokens')
    .addColumn('previous_until_first_use', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Every live token with an expiry still ahead is looked at by the first scan, which sets
  // its next due time; tokens that expired before the upgrade are not announced after it.
  const now = new Date().toISOString();
  await sql`update tokens set expiry_notice_at = created_at where kind = 'organization' and revoked_at is null and expires_at > ${now}`.execute(
    db,
  );
  await sql`create index tokens_expiry_notice_due on tokens (expiry_notice_at) where expiry_notice_at is not null`.execute(
    db,
  );
  await sql`create index tokens_stale_scan on tokens (coalesce(last_used_at, created_at)) where kind = 'organization' and revoked_at is null and stale_noticed_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('superseded_secrets')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('token_id', 'text', (c) => c.notNull().references('tokens.id').onDelete('cascade'))
    .addColumn('superseded_at', 'text', (c) => c.notNull())
    .addColumn('noticed_at', 'text')
    .execute();
  await db.schema
    .createIndex('superseded_secrets_by_token')
    .on('superseded_secrets')
    .column('token_id')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the application's schema types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('superseded_secrets').execute();
  await db.schema.dropIndex('tokens_stale_scan').execute();
  await db.schema.dropIndex('tokens_expiry_notice_due').execute();
  for (const column of [
    'previous_until_first_use',
    'stale_noticed_at',
    'expiry_notice_days',
    'expiry_notice_at',
  ]) {
    await db.schema.alterTable('tokens').dropColumn(column).execute();
  }
  await db.schema.dropTable('outbox_deliveries').execute();
  await db.schema.dropTable('outbox_events').execute();
  await db.schema.dropTable('webhooks').execute();
  await db.schema.dropTable('notification_settings').execute();
}
