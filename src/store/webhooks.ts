import type { Kysely, Selectable } from 'kysely';
import type { Database, NotificationSettingsTable, WebhooksTable } from './schema.js';

export type WebhookRow = Selectable<WebhooksTable>;
export type NotificationSettingsRow = Selectable<NotificationSettingsTable>;

export function findNotificationSettings(
  db: Kysely<Database>,
  orgId: string,
): Promise<NotificationSettingsRow | undefined> {
  return db
    .selectFrom('notification_settings')
    .selectAll()
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

/** The settings of each of these organizations that has saved any. */
export function findNotificationSettingsOf(
  db: Kysely<Database>,
  orgIds: string[],
): Promise<NotificationSettingsRow[]> {
  if (orgIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('notification_settings').selectAll().where('org_id', 'in', orgIds).execute();
}

export function upsertNotificationSettings(
  db: Kysely<Database>,
  row: NotificationSettingsRow,
): Promise<unknown> {
  return db
    .insertInto('notification_settings')
    .values(row)
    .onConflict((oc) =>
      oc.column('org_id').doUpdateSet({
        expiry_warning_days: row.expiry_warning_days,
        stale_after_days: row.stale_after_days,
        email_admins: row.email_admins,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** The distinct stale periods organizations chose (null: they turned stale notices off). */
export async function chosenStalePeriods(db: Kysely<Database>): Promise<Array<number | null>> {
  const rows = await db
    .selectFrom('notification_settings')
    .select('stale_after_days')
    .distinct()
    .execute();
  return rows.map((row) => row.stale_after_days);
}

export function insertWebhook(db: Kysely<Database>, row: WebhookRow): Promise<unknown> {
  return db.insertInto('webhooks').values(row).execute();
}

export function findWebhook(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<WebhookRow | undefined> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findWebhookById(db: Kysely<Database>, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first, after `after` (an id, ids sort by creation); `limit + 1` rows. */
export function listWebhooks(
  db: Kysely<Database>,
  orgId: string,
  page: { limit: number; after?: string | undefined },
): Promise<WebhookRow[]> {
  let query = db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('id', '<', page.after);
  return query.execute();
}

/** The organization's active webhooks, for fanning an event out. */
export function activeWebhooks(db: Kysely<Database>, orgId: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('active', '=', 1)
    .execute();
}

export function updateWebhook(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Omit<WebhookRow, 'id' | 'org_id' | 'secret' | 'created_at'>>,
): Promise<unknown> {
  return db.updateTable('webhooks').set(changes).where('id', '=', id).execute();
}

export function deleteWebhook(db: Kysely<Database>, id: string): Promise<unknown> {
  return db.deleteFrom('webhooks').where('id', '=', id).execute();
}

export async function countWebhooks(db: Kysely<Database>, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
