import type { Kysely } from 'kysely';
import {
  defaultNotificationPreferences,
  dueExpiryNotice,
  type NotificationPreferences,
  nextExpiryNoticeAt,
  staleCutoff,
} from '../domain/notifications.js';
import type { Database } from '../store/schema.js';
import {
  advanceExpiryNotice,
  dueExpiryNotices,
  markStaleNoticed,
  type NoticeCandidate,
  type StaleGroup,
  staleCandidates,
} from '../store/token-notices.js';
import { chosenStalePeriods } from '../store/webhooks.js';
import type { ServiceDeps } from './context.js';
import { emitEvent, type FanOutCache, newFanOutCache, preferencesFor } from './notifications.js';

/** What one scan did: tokens looked at, events written. */
export interface ScanResult {
  looked: number;
  events: number;
}

const batchSize = 500;
// A scan stops after this many batches; the next scan goes on where it left off.
const maxBatches = 200;

type Deps = Pick<ServiceDeps, 'store' | 'clock' | 'notify'>;

/**
 * Sends each due expiry notice once (SPEC §9): the nearest threshold a token has crossed, or
 * token.expired, and sets when the token is next looked at. Safe when several instances
 * scan at once: a token's notice moves on only from the state its scan read, in the
 * transaction that writes its event, so one scan wins and the others skip it.
 */
export async function scanExpiries(deps: Deps): Promise<ScanResult> {
  const result: ScanResult = { looked: 0, events: 0 };
  const cache = newFanOutCache();
  for (let batch = 0; batch < maxBatches; batch++) {
    const now = deps.clock.now();
    const at = now.toISOString();
    const due = await dueExpiryNotices(deps.store.db, at, batchSize);
    if (due.length === 0) break;
    await deps.store.db.transaction().execute(async (db) => {
      for (const token of due) {
        const preferences = await cachedPreferences(db, cache, token.org.id);
        const step = expiryStep(token, now.getTime(), preferences);
        const seen = token.expiry_notice_at ?? '';
        if (!(await advanceExpiryNotice(db, token.id, seen, step.next))) continue;
        if (step.event) {
          const written = await emitEvent(db, deps.notify, { ...step.event, token, at }, cache);
          if (written) result.events++;
        }
      }
    });
    result.looked += due.length;
    if (due.length < batchSize) break;
  }
  return result;
}

// Read in the scan's transaction: on SQLite, with its one connection, a read outside it
// would wait for the transaction to end.
function cachedPreferences(
  db: Kysely<Database>,
  cache: FanOutCache,
  orgId: string,
): Promise<NotificationPreferences> {
  let found = cache.preferences.get(orgId);
  if (!found) {
    found = preferencesFor(db, orgId);
    cache.preferences.set(orgId, found);
  }
  return found;
}

const expiredSent = 0;

/** The notice a looked-at token is due, if any, and its state after it. */
function expiryStep(token: NoticeCandidate, nowMs: number, preferences: NotificationPreferences) {
  const next = (days: number | null) => ({ expiry_notice_days: days, expiry_notice_at: null });
  if (token.revoked_at !== null || token.expires_at === null) {
    return { next: next(token.expiry_notice_days), event: null };
  }
  const expiresMs = Date.parse(token.expires_at);
  const thresholds = preferences.expiryWarningDays;
  const notice = dueExpiryNotice(expiresMs, nowMs, thresholds, token.expiry_notice_days);
  if (notice?.kind === 'expired') {
    // expiry_notice_days 0 records that token.expired went out: whatever marks the token for
    // another look, it is never sent twice for one expiry (a rotation starts afresh).
    if (token.expiry_notice_days === expiredSent) return { next: next(expiredSent), event: null };
    return {
      next: next(expiredSent),
      event: { org: token.org, type: 'token.expired' as const },
    };
  }
  const sent = notice ? notice.days : token.expiry_notice_days;
  // Never before now: a threshold that is already past but was sent, or is no longer
  // configured, must not make the token due again at once.
  const nextMs = Math.max(nextExpiryNoticeAt(expiresMs, thresholds, sent), nowMs + 1);
  return {
    next: { expiry_notice_days: sent, expiry_notice_at: new Date(nextMs).toISOString() },
    event: notice
      ? {
          org: token.org,
          type: 'token.expiring' as const,
          data: { daysBefore: notice.days },
        }
      : null,
  };
}

/**
 * Sends token.stale once per unused period of each live token (SPEC §9): unused since its
 * last use (or its creation) for its organization's staleAfterDays. A stale token keeps
 * working; a use clears the mark and starts a new period. Expired tokens are marked without
 * an event, so that they leave the scan's index.
 */
export async function scanStale(deps: Deps): Promise<ScanResult> {
  const result: ScanResult = { looked: 0, events: 0 };
  const cache = newFanOutCache();
  const defaultDays = defaultNotificationPreferences.staleAfterDays;
  const groups: StaleGroup[] = [];
  if (defaultDays !== null) groups.push({ kind: 'default', days: defaultDays });
  for (const days of await chosenStalePeriods(deps.store.db)) {
    if (days !== null && days !== defaultDays) groups.push({ kind: 'chosen', days });
  }
  for (const group of groups) {
    for (let batch = 0; batch < maxBatches; batch++) {
      const now = deps.clock.now();
      const at = now.toISOString();
      const cutoff = staleCutoff(now.getTime(), group.days);
      const found = await staleCandidates(deps.store.db, group, cutoff, batchSize);
      if (found.length === 0) break;
      await deps.store.db.transaction().execute(async (db) => {
        for (const token of found) {
          const activity = token.last_used_at ?? token.created_at;
          if (!(await markStaleNoticed(db, token.id, activity, at))) continue;
          if (token.expires_at !== null && token.expires_at <= at) continue;
          const written = await emitEvent(
            db,
            deps.notify,
            {
              org: token.org,
              type: 'token.stale',
              token,
              data: { staleAfterDays: group.days },
              at,
            },
            cache,
          );
          if (written) result.events++;
        }
      });
      result.looked += found.length;
      if (found.length < batchSize) break;
    }
  }
  return result;
}
