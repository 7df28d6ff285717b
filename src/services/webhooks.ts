import type { Delivery, NewWebhook, Webhook, WebhookChange } from '../contract/notifications.js';
import type { Caller } from '../domain/actors.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import { newWebhookSecret } from '../domain/webhook-signature.js';
import { checkWebhookTarget } from '../runtime/webhook-sender.js';
import {
  countPendingDeliveries,
  type DeliveryWithType,
  deliveriesOfEvent,
  findDelivery,
  findDeliveryWithType,
  insertDelivery,
  listDeliveries,
} from '../store/outbox.js';
import {
  countWebhooks,
  deleteWebhook as deleteWebhookRow,
  findWebhook,
  insertWebhook,
  listWebhooks,
  updateWebhook as updateWebhookRow,
  type WebhookRow,
} from '../store/webhooks.js';
import { adminAccess, type OrgAccess, requirePlan } from './access.js';
import { audited, changedFields } from './audited.js';
import type { ServiceDeps } from './context.js';
import { emitEvent, newDelivery } from './notifications.js';
import type { OrgRef, PageRequest } from './refs.js';

/** An organization's webhooks: each costs every event a delivery. */
export const maxWebhooksPerOrg = 20;
/** Pings and redeliveries wait behind no more than this many of a webhook's deliveries. */
export const maxPendingManualDeliveries = 10;

export interface WebhookRef extends OrgRef {
  webhookId: string;
}

export interface DeliveryRef extends WebhookRef {
  deliveryId: string;
}

function present(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    active: row.active === 1,
    createdAt: row.created_at,
    createdBy: row.created_by ? { id: row.created_by, name: row.created_by_name ?? '' } : null,
    updatedAt: row.updated_at,
  };
}

export function presentDelivery(row: DeliveryWithType): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status as Delivery['status'],
    attempts: row.attempts,
    responseStatus: row.response_status,
    error: row.error,
    durationMs: row.duration_ms,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    createdAt: row.created_at,
  };
}

const webhookTarget = (hook: { id: string; url: string }) => ({
  type: 'webhook' as const,
  id: hook.id,
  name: hook.url,
});

/** A URL the server may send to (SPEC §9: https, no internal address), or a 400 on `url`. */
async function checkUrl(deps: ServiceDeps, url: string): Promise<string> {
  const check = await checkWebhookTarget(url, deps.notify.allowInsecureWebhooks);
  if (!check.ok) throw invalid('url', check.message);
  return new URL(url).toString();
}

async function webhookIn(deps: ServiceDeps, access: OrgAccess, id: string): Promise<WebhookRow> {
  const row = await findWebhook(deps.store.db, access.org.id, id);
  if (!row) throw new AppError('NOT_FOUND', 'Webhook not found.');
  return row;
}

/** The organization's webhooks, newest first (org admins). */
export async function pageWebhooks(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  query: PageRequest,
): Promise<Page<Webhook>> {
  const access = await adminAccess(deps, caller.actor, ref);
  const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
  const rows = await listWebhooks(deps.store.db, access.org.id, { limit: query.limit, after });
  return toPage(rows, query.limit, (row) => [row.id], present);
}

/** Adds a webhook; its signing secret is in the answer and never again (org admins). */
export async function createWebhook(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: NewWebhook,
): Promise<Webhook & { secret: string }> {
  const { actor } = caller;
  const access = await adminAccess(deps, actor, ref);
  requirePlan(access.org, 'notifications');
  const url = await checkUrl(deps, input.url);
  if ((await countWebhooks(deps.store.db, access.org.id)) >= maxWebhooksPerOrg) {
    throw new AppError(
      'CONFLICT',
      `An organization has at most ${maxWebhooksPerOrg} webhooks; delete one to add another.`,
    );
  }
  const at = deps.clock.now().toISOString();
  const row: WebhookRow = {
    id: newId(Date.parse(at)),
    org_id: access.org.id,
    url,
    events: JSON.stringify(input.events),
    description: input.description?.trim() ?? '',
    secret: newWebhookSecret(),
    active: 1,
    created_at: at,
    created_by: actor.id,
    created_by_name: actor.name,
    updated_at: at,
  };
  await audited(deps, { ...caller, at }, async (tx) => {
    await insertWebhook(tx.db, row);
    await tx.record({
      orgId: access.org.id,
      action: 'webhook.created',
      target: webhookTarget(row),
      details: { url, events: input.events },
    });
  });
  return { ...present(row), secret: row.secret };
}

export async function getWebhook(
  deps: ServiceDeps,
  caller: Caller,
  ref: WebhookRef,
): Promise<Webhook> {
  const access = await adminAccess(deps, caller.actor, ref);
  return present(await webhookIn(deps, access, ref.webhookId));
}

/** Changes URL, events, description or whether it is active (org admins). */
export async function updateWebhook(
  deps: ServiceDeps,
  caller: Caller,
  ref: WebhookRef,
  input: WebhookChange,
): Promise<Webhook> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'notifications');
  const webhook = await webhookIn(deps, access, ref.webhookId);
  const changes: Partial<WebhookRow> = {};
  if (input.url !== undefined) changes.url = await checkUrl(deps, input.url);
  if (input.events !== undefined) changes.events = JSON.stringify(input.events);
  if (input.description !== undefined) changes.description = input.description.trim();
  if (input.active !== undefined) changes.active = input.active ? 1 : 0;
  const { changed, details } = changedFields(webhook, changes);
  if (Object.keys(changed).length === 0) return present(webhook);
  const updated = await audited(deps, caller, async (tx) => {
    const next = { ...changed, updated_at: tx.at };
    await updateWebhookRow(tx.db, webhook.id, next);
    await tx.record({
      orgId: access.org.id,
      action: 'webhook.updated',
      target: webhookTarget(webhook),
      details,
    });
    return { ...webhook, ...next };
  });
  return present(updated);
}

/** Removes a webhook and its deliveries (org admins). */
export async function deleteWebhook(
  deps: ServiceDeps,
  caller: Caller,
  ref: WebhookRef,
): Promise<void> {
  const access = await adminAccess(deps, caller.actor, ref);
  const webhook = await webhookIn(deps, access, ref.webhookId);
  await audited(deps, caller, async (tx) => {
    await deleteWebhookRow(tx.db, webhook.id);
    await tx.record({
      orgId: access.org.id,
      action: 'webhook.deleted',
      target: webhookTarget(webhook),
    });
  });
}

async function deliveryAnswer(deps: ServiceDeps, webhookId: string, id: string) {
  const row = await findDeliveryWithType(deps.store.db, webhookId, id);
  if (!row) throw new AppError('NOT_FOUND', 'Delivery not found.');
  return presentDelivery(row);
}

/**
 * Pings and redeliveries are for a person checking a receiver; a webhook with many
 * deliveries already waiting takes no more of them, so that one organization cannot fill the
 * outbox that every organization's notices go through.
 */
async function refuseManualFlood(deps: ServiceDeps, webhookId: string): Promise<void> {
  if ((await countPendingDeliveries(deps.store.db, webhookId)) >= maxPendingManualDeliveries) {
    throw new AppError(
      'CONFLICT',
      `This webhook already has ${maxPendingManualDeliveries} deliveries waiting; wait for them before sending more.`,
    );
  }
}

/** Sends webhook.ping to this webhook alone, through the outbox (org admins). */
export async function pingWebhook(
  deps: ServiceDeps,
  caller: Caller,
  ref: WebhookRef,
): Promise<Delivery> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'notifications');
  const webhook = await webhookIn(deps, access, ref.webhookId);
  await refuseManualFlood(deps, webhook.id);
  const at = deps.clock.now().toISOString();
  const eventId = await deps.store.db.transaction().execute((db) =>
    emitEvent(db, deps.notify, {
      org: access.org,
      type: 'webhook.ping',
      data: { webhook: { id: webhook.id, url: webhook.url } },
      at,
      onlyWebhook: webhook,
    }),
  );
  const [row] = eventId === null ? [] : await deliveriesOfEvent(deps.store.db, eventId);
  if (!row) throw new AppError('NOT_FOUND', 'Delivery not found.');
  return presentDelivery(row);
}

/** A webhook's deliveries, newest first (org admins). */
export async function pageDeliveries(
  deps: ServiceDeps,
  caller: Caller,
  ref: WebhookRef,
  query: PageRequest,
): Promise<Page<Delivery>> {
  const access = await adminAccess(deps, caller.actor, ref);
  const webhook = await webhookIn(deps, access, ref.webhookId);
  const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
  const rows = await listDeliveries(deps.store.db, webhook.id, { limit: query.limit, after });
  return toPage(rows, query.limit, (row) => [row.id], presentDelivery);
}

/**
 * Sends a delivery's event again: a new delivery of the same event (the same webhook-id),
 * due now, signed afresh when it is sent (org admins).
 */
export async function redeliver(
  deps: ServiceDeps,
  caller: Caller,
  ref: DeliveryRef,
): Promise<Delivery> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'notifications');
  const webhook = await webhookIn(deps, access, ref.webhookId);
  const original = await findDelivery(deps.store.db, webhook.id, ref.deliveryId);
  if (!original) throw new AppError('NOT_FOUND', 'Delivery not found.');
  await refuseManualFlood(deps, webhook.id);
  const row = newDelivery(
    {
      event_id: original.event_id,
      org_id: original.org_id,
      channel: 'webhook',
      webhook_id: webhook.id,
      recipient: null,
    },
    deps.clock.now().toISOString(),
  );
  await insertDelivery(deps.store.db, row);
  return deliveryAnswer(deps, webhook.id, row.id);
}
