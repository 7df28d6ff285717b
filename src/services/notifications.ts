import type { Kysely } from 'kysely';
import type { EventBody, NotificationSettings } from '../contract/notifications.js';
import type { Caller } from '../domain/actors.js';
import { newId } from '../domain/ids.js';
import {
  defaultNotificationPreferences,
  emailedEventTypes,
  type NotificationEventType,
  type NotificationPreferences,
} from '../domain/notifications.js';
import type { Plan } from '../domain/organizations.js';
import { planHasFeature } from '../domain/plan-features.js';
import { tokenStatus } from '../domain/token-status.js';
import { notificationRecipients, type OrgRow } from '../store/orgs.js';
import { type DeliveryRow, insertEvent } from '../store/outbox.js';
import type { Database } from '../store/schema.js';
import type { TokenRow } from '../store/tokens.js';
import {
  activeWebhooks,
  findNotificationSettings,
  type NotificationSettingsRow,
  upsertNotificationSettings,
  type WebhookRow,
} from '../store/webhooks.js';
import { adminAccess, requirePlan } from './access.js';
import { audited, targetOf } from './audited.js';
import type { NotifyConfig, ServiceDeps } from './context.js';
import type { OrgRef } from './refs.js';

export function preferencesOf(row: NotificationSettingsRow | undefined): NotificationPreferences {
  if (!row) return defaultNotificationPreferences;
  return {
    expiryWarningDays: JSON.parse(row.expiry_warning_days) as number[],
    staleAfterDays: row.stale_after_days,
    emailAdmins: row.email_admins === 1,
  };
}

export async function preferencesFor(
  db: Kysely<Database>,
  orgId: string,
): Promise<NotificationPreferences> {
  return preferencesOf(await findNotificationSettings(db, orgId));
}

/** The organization's notification settings (org admins, team plan and up). */
export async function getNotificationSettings(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
): Promise<NotificationSettings> {
  const access = await adminAccess(deps, caller.actor, ref);
  return preferencesFor(deps.store.db, access.org.id);
}

/**
 * Replaces the notification settings. Live tokens with an expiry are looked at again by the
 * next expiry scan, so new thresholds apply to them (a threshold already sent is not sent
 * again).
 */
export async function putNotificationSettings(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: NotificationSettings,
): Promise<NotificationSettings> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'notifications');
  const settings: NotificationSettings = {
    expiryWarningDays: [...input.expiryWarningDays].sort((a, b) => b - a),
    staleAfterDays: input.staleAfterDays,
    emailAdmins: input.emailAdmins,
  };
  const before = await preferencesFor(deps.store.db, access.org.id);
  await audited(deps, caller, async (tx) => {
    await upsertNotificationSettings(tx.db, {
      org_id: access.org.id,
      expiry_warning_days: JSON.stringify(settings.expiryWarningDays),
      stale_after_days: settings.staleAfterDays,
      email_admins: settings.emailAdmins ? 1 : 0,
      updated_at: tx.at,
    });
    await tx.db
      .updateTable('tokens')
      .set({ expiry_notice_at: tx.at })
      .where('org_id', '=', access.org.id)
      .where('kind', '=', 'organization')
      .where('revoked_at', 'is', null)
      // Expired tokens have had their last notice: saving must not send it again.
      .where('expires_at', '>', tx.at)
      .execute();
    await tx.record({
      orgId: access.org.id,
      action: 'notifications.updated',
      target: targetOf.org(access.org),
      details: { from: before, to: settings },
    });
  });
  return settings;
}

/** What an event says of its token. */
export function tokenSummary(token: TokenRow, org: Pick<OrgRow, 'plan'>, at: string) {
  return {
    id: token.id,
    name: token.name,
    hint: token.hint,
    status: tokenStatus(
      {
        revokedAt: token.revoked_at,
        expiresAt: token.expires_at,
        suspended: !planHasFeature(org.plan as Plan, 'organizationTokens'),
      },
      new Date(at),
    ),
    expiresAt: token.expires_at,
    lastUsedAt: token.last_used_at,
    createdBy: token.created_by
      ? { id: token.created_by, name: token.created_by_name ?? '' }
      : null,
  };
}

export interface NewEvent {
  org: Pick<OrgRow, 'id' | 'key' | 'name' | 'plan'>;
  type: NotificationEventType;
  /** The token it is about, as it is after the change. */
  token?: TokenRow | undefined;
  data?: Record<string, unknown> | undefined;
  at: string;
  /** Only this webhook gets it (a ping), and no email. */
  onlyWebhook?: WebhookRow | undefined;
}

/** Lets the scans fan many events out without reading the same rows again. */
export interface FanOutCache {
  webhooks: Map<string, Promise<WebhookRow[]>>;
  preferences: Map<string, Promise<NotificationPreferences>>;
  recipients: Map<string, Promise<string[]>>;
}

export function newFanOutCache(): FanOutCache {
  return { webhooks: new Map(), preferences: new Map(), recipients: new Map() };
}

function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = map.get(key);
  if (value === undefined) {
    value = load();
    map.set(key, value);
  }
  return value;
}

function subscribes(webhook: WebhookRow, type: string): boolean {
  const events = JSON.parse(webhook.events) as string[];
  return events.includes('*') || events.includes(type);
}

/**
 * Writes an event to the outbox in the caller's transaction (`db`), with a delivery for each
 * subscribed webhook and, for the emailed types, each recipient: the event lands with its
 * cause or not at all (docs/architecture.md "The outbox"). An organization whose plan lacks
 * notifications gets none. Returns the event id, or null when nothing was written.
 */
export async function emitEvent(
  db: Kysely<Database>,
  notify: NotifyConfig,
  event: NewEvent,
  cache: FanOutCache = newFanOutCache(),
): Promise<string | null> {
  if (!planHasFeature(event.org.plan as Plan, 'notifications')) return null;
  const id = `msg_${newId(Date.parse(event.at)).replaceAll('-', '')}`;
  const body: EventBody = {
    id,
    type: event.type,
    timestamp: event.at,
    org: { key: event.org.key, name: event.org.name },
    data: {
      ...(event.token ? { token: tokenSummary(event.token, event.org, event.at) } : {}),
      ...event.data,
    },
  };
  const orgId = event.org.id;
  const webhooks = event.onlyWebhook
    ? [event.onlyWebhook]
    : (await cached(cache.webhooks, orgId, () => activeWebhooks(db, orgId))).filter((w) =>
        subscribes(w, event.type),
      );
  let recipients: string[] = [];
  if (!event.onlyWebhook && notify.email && emailedEventTypes.has(event.type)) {
    const preferences = await cached(cache.preferences, orgId, () => preferencesFor(db, orgId));
    if (preferences.emailAdmins) {
      const creator = event.token?.created_by ?? null;
      recipients = await cached(cache.recipients, `${orgId}/${creator}`, () =>
        notificationRecipients(db, orgId, creator),
      );
    }
  }
  const delivery = (fields: Pick<DeliveryRow, 'channel' | 'webhook_id' | 'recipient'>) =>
    newDelivery({ ...fields, event_id: id, org_id: orgId }, event.at);
  await insertEvent(
    db,
    {
      id,
      org_id: orgId,
      type: event.type,
      token_id: event.token?.id ?? null,
      body: JSON.stringify(body),
      created_at: event.at,
    },
    [
      ...webhooks.map((w) => delivery({ channel: 'webhook', webhook_id: w.id, recipient: null })),
      ...recipients.map((r) => delivery({ channel: 'email', webhook_id: null, recipient: r })),
    ],
  );
  return id;
}

/** A delivery due now, not yet attempted. */
export function newDelivery(
  fields: Pick<DeliveryRow, 'event_id' | 'org_id' | 'channel' | 'webhook_id' | 'recipient'>,
  at: string,
): DeliveryRow {
  return {
    id: newId(Date.parse(at)),
    ...fields,
    status: 'pending',
    attempts: 0,
    next_attempt_at: at,
    last_attempt_at: null,
    response_status: null,
    error: null,
    duration_ms: null,
    created_at: at,
  };
}
