/**
 * What an organization hears about its tokens, and when (SPEC §9; docs/api.md
 * "Notifications and webhooks").
 */

/** Every event an organization's webhooks can subscribe to. */
export const webhookEventTypes = [
  'token.expiring',
  'token.expired',
  'token.stale',
  'token.revoked',
  'token.rotated',
  'token.leaked',
  'token.superseded_secret_used',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** Every event type, the ping that only its one webhook receives included. */
export const notificationEventTypes = [...webhookEventTypes, 'webhook.ping'] as const;
export type NotificationEventType = (typeof notificationEventTypes)[number];

/** The events that are also emailed; webhooks get every event. */
export const emailedEventTypes: ReadonlySet<NotificationEventType> = new Set([
  'token.expiring',
  'token.expired',
  'token.stale',
  'token.leaked',
  'token.superseded_secret_used',
]);

export const maxWarningDays = 365;
export const maxExpiryWarnings = 10;
export const maxStaleAfterDays = 3650;

export interface NotificationPreferences {
  /** Descending, distinct. */
  expiryWarningDays: number[];
  staleAfterDays: number | null;
  emailAdmins: boolean;
}

export const defaultNotificationPreferences: NotificationPreferences = {
  expiryWarningDays: [30, 7, 1],
  staleAfterDays: 60,
  emailAdmins: true,
};

const dayMs = 86_400_000;

/**
 * The warning a token expiring at `expiresMs` is due at `nowMs`: the nearest threshold
 * already crossed and not yet sent (a token found inside several gets one, the nearest), or
 * 'expired' once it has expired; null when nothing is due. `sentDays` is the smallest
 * threshold already sent (null: none yet).
 */
export function dueExpiryNotice(
  expiresMs: number,
  nowMs: number,
  thresholds: readonly number[],
  sentDays: number | null,
): { kind: 'expiring'; days: number } | { kind: 'expired' } | null {
  if (nowMs >= expiresMs) return { kind: 'expired' };
  let nearest: number | null = null;
  for (const days of thresholds) {
    if (expiresMs - days * dayMs <= nowMs && (nearest === null || days < nearest)) nearest = days;
  }
  if (nearest === null || (sentDays !== null && sentDays <= nearest)) return null;
  return { kind: 'expiring', days: nearest };
}

/**
 * When the next warning of a token is due, after `sentDays` was sent (null: none yet): the
 * crossing of the largest threshold below it, or the expiry itself.
 */
export function nextExpiryNoticeAt(
  expiresMs: number,
  thresholds: readonly number[],
  sentDays: number | null,
): number {
  let next: number | null = null;
  for (const days of thresholds) {
    if ((sentDays === null || days < sentDays) && (next === null || days > next)) next = days;
  }
  return next === null ? expiresMs : expiresMs - next * dayMs;
}

/** Exponential backoff between webhook attempts: 5 s to 10 h, about 27.5 h in all. */
export const defaultRetrySchedule = [5, 300, 1800, 7200, 18000, 36000, 36000];

export function staleCutoff(nowMs: number, staleAfterDays: number): string {
  return new Date(nowMs - staleAfterDays * dayMs).toISOString();
}
