import { type Kysely, type Selectable, sql } from 'kysely';
import type { Engine } from './db.js';
import type { Database, OutboxDeliveriesTable, OutboxEventsTable } from './schema.js';

export type OutboxEventRow = Selectable<OutboxEventsTable>;
export type DeliveryRow = Selectable<OutboxDeliveriesTable>;

/** An event and its deliveries, written in the caller's transaction: together or not at all. */
export async function insertEvent(
  db: Kysely<Database>,
  event: OutboxEventRow,
  deliveries: DeliveryRow[],
): Promise<void> {
  await db.insertInto('outbox_events').values(event).execute();
  if (deliveries.length > 0) await db.insertInto('outbox_deliveries').values(deliveries).execute();
}

export function insertDelivery(db: Kysely<Database>, row: DeliveryRow): Promise<unknown> {
  return db.insertInto('outbox_deliveries').values(row).execute();
}

/**
 * Claims up to `limit` due deliveries for this instance: each one's next attempt moves to
 * `leaseUntil`, so no other instance takes it before then, and a claim whose instance died
 * comes due again when the lease ends (at least once, never lost). One statement: on
 * PostgreSQL the rows another instance is claiming are skipped (FOR UPDATE SKIP LOCKED), on
 * SQLite the statement holds the single writer lock.
 *
 * The due rows are chosen in a materialized CTE, evaluated once. Written as
 * `where id in (select … limit n for update skip locked)`, PostgreSQL may evaluate the
 * subquery again for rows that a concurrent claim changed, and one claim then returned more
 * rows than its limit (test/store/outbox-claims.test.ts), which the delivery pool took for
 * more slots than it has.
 */
export async function claimDueDeliveries(
  db: Kysely<Database>,
  engine: Engine,
  now: string,
  leaseUntil: string,
  limit: number,
  channels: readonly string[],
): Promise<DeliveryRow[]> {
  const lock = engine === 'postgres' ? sql`for update skip locked` : sql``;
  const result = await sql<DeliveryRow>`
    with due as materialized (
      select id from outbox_deliveries
      where status = 'pending' and next_attempt_at <= ${now}
        and channel in (${sql.join(channels)})
      order by next_attempt_at
      limit ${limit}
      ${lock}
    )
    update outbox_deliveries set next_attempt_at = ${leaseUntil}
    where id in (select id from due)
      and status = 'pending' and next_attempt_at <= ${now}
    returning *
  `.execute(db);
  return result.rows;
}

/**
 * Records the outcome of an attempt of a delivery this instance claimed (`claimedUntil` is
 * the lease it took): a redelivery or another claim since then is not overwritten.
 */
export async function recordAttempt(
  db: Kysely<Database>,
  id: string,
  claimedUntil: string,
  outcome: Pick<
    DeliveryRow,
    | 'status'
    | 'attempts'
    | 'next_attempt_at'
    | 'last_attempt_at'
    | 'response_status'
    | 'error'
    | 'duration_ms'
  >,
): Promise<boolean> {
  const result = await db
    .updateTable('outbox_deliveries')
    .set(outcome)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '=', claimedUntil)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export function findEvents(db: Kysely<Database>, ids: string[]): Promise<OutboxEventRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('outbox_events').selectAll().where('id', 'in', ids).execute();
}

export function findDelivery(
  db: Kysely<Database>,
  webhookId: string,
  id: string,
): Promise<DeliveryRow | undefined> {
  return db
    .selectFrom('outbox_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .where('id', '=', id)
    .executeTakeFirst();
}

function deliveriesOf(db: Kysely<Database>, webhookId: string) {
  return db
    .selectFrom('outbox_deliveries')
    .innerJoin('outbox_events', 'outbox_events.id', 'outbox_deliveries.event_id')
    .selectAll('outbox_deliveries')
    .select('outbox_events.type as event_type')
    .where('outbox_deliveries.webhook_id', '=', webhookId);
}

export type DeliveryWithType = DeliveryRow & { event_type: string };

/** A webhook's deliveries with their event types, newest first; `limit + 1` rows. */
export function listDeliveries(
  db: Kysely<Database>,
  webhookId: string,
  page: { limit: number; after?: string | undefined },
): Promise<DeliveryWithType[]> {
  let query = deliveriesOf(db, webhookId)
    .orderBy('outbox_deliveries.id', 'desc')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('outbox_deliveries.id', '<', page.after);
  return query.execute();
}

/** One delivery of a webhook, with its event's type. */
export function findDeliveryWithType(
  db: Kysely<Database>,
  webhookId: string,
  id: string,
): Promise<DeliveryWithType | undefined> {
  return deliveriesOf(db, webhookId).where('outbox_deliveries.id', '=', id).executeTakeFirst();
}

/** The deliveries of an event, with its type. */
export function deliveriesOfEvent(
  db: Kysely<Database>,
  eventId: string,
): Promise<DeliveryWithType[]> {
  return db
    .selectFrom('outbox_deliveries')
    .innerJoin('outbox_events', 'outbox_events.id', 'outbox_deliveries.event_id')
    .selectAll('outbox_deliveries')
    .select('outbox_events.type as event_type')
    .where('outbox_deliveries.event_id', '=', eventId)
    .execute();
}

/** A webhook's deliveries still waiting to be delivered. */
export async function countPendingDeliveries(
  db: Kysely<Database>,
  webhookId: string,
): Promise<number> {
  const row = await db
    .selectFrom('outbox_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
