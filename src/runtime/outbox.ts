import type { Clock } from '../domain/clock.js';
import { type NoticeEvent, noticeMail } from '../domain/notice-mail.js';
import type { Plan } from '../domain/organizations.js';
import { planHasFeature } from '../domain/plan-features.js';
import { webhookHeaders } from '../domain/webhook-signature.js';
import type { Store } from '../store/db.js';
import { notificationRecipients } from '../store/orgs.js';
import {
  claimDueDeliveries,
  type DeliveryRow,
  findEvents,
  type OutboxEventRow,
  recordAttempt,
} from '../store/outbox.js';
import { findWebhookById } from '../store/webhooks.js';
import type { Mailer } from './mailer.js';
import {
  defaultWebhookTimeoutMs,
  type WebhookAttempt,
  type WebhookRequest,
  type WebhookSendOptions,
} from './webhook-sender.js';

export interface OutboxOptions {
  store: Store;
  clock: Clock;
  /** Null: this instance sends no email (ORGTOKEN_SMTP_URL unset). */
  mailer: Mailer | null;
  /** The base of the rotate links in emails (ORGTOKEN_PUBLIC_URL, else where it listens). */
  publicUrl: () => string;
  allowInsecureWebhooks: boolean;
  /** Seconds to wait after each failed attempt; past the last, the delivery has failed. */
  retrySchedule: readonly number[];
  send: (request: WebhookRequest, options: WebhookSendOptions) => Promise<WebhookAttempt>;
  /** The bound of one webhook attempt (15 s, SPEC §9). */
  timeoutMs?: number;
}

// A claim lasts longer than any attempt can (the webhook timeout, 15 s by default, or the
// mailer's whole-send deadline), so a live instance always records its outcome before
// another could claim the same delivery again.
const leaseMarginMs = 5_000;
/** Attempts in flight at once per instance: a receiver that never answers holds one slot. */
const concurrency = 20;
// One run makes at most this many attempts; the next run goes on.
const maxAttemptsPerRun = 1000;

/**
 * Delivers the outbox (docs/architecture.md "The outbox"): claims due deliveries, attempts
 * each once, records the outcome, and schedules a retry with backoff until the schedule is
 * spent. Every attempt of a webhook delivery carries the event's id as `webhook-id` and a
 * fresh timestamp and signature. At least once: a claim whose instance died comes due again
 * when its lease ends. Attempts run in a pool of `concurrency` slots, each claimed as a
 * slot frees, so slow receivers slow only the slots they hold.
 */
export class OutboxDelivery {
  private readonly stopping = new AbortController();
  private readonly leaseMs: number;

  constructor(private readonly options: OutboxOptions) {
    const webhookMs = options.timeoutMs ?? defaultWebhookTimeoutMs;
    this.leaseMs = Math.max(webhookMs, options.mailer?.deadlineMs ?? 0) + leaseMarginMs;
  }

  /** Delivers what is due now; resolves with the number of attempts made. */
  async deliverDue(): Promise<number> {
    let attempts = 0;
    const inFlight = new Set<Promise<void>>();
    const run = new RunChecks(this.options.store);
    // An attempt that fails outright (the store refusing its outcome) leaves its delivery
    // claimed until the lease ends, then due again; the run goes on with the others and
    // reports the first such failure once every attempt has ended.
    const failures: unknown[] = [];
    while (!this.stopping.signal.aborted && attempts < maxAttemptsPerRun) {
      const free = Math.min(concurrency - inFlight.size, maxAttemptsPerRun - attempts);
      const claimed = free > 0 ? await this.claim(free) : [];
      for (const { delivery, event, claimedUntil } of claimed) {
        const attempt = this.attempt(delivery, event, claimedUntil, run)
          .catch((error: unknown) => {
            failures.push(error);
          })
          .finally(() => inFlight.delete(attempt));
        inFlight.add(attempt);
      }
      attempts += claimed.length;
      if (inFlight.size === 0) break;
      // Nothing more due, or every slot busy: wait for a slot. (Counted on the set, not on
      // `free`: the loop must wait whatever a claim returned, or it would spin.)
      if (claimed.length < free || inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failures.length > 0) throw failures[0];
    return attempts;
  }

  private async claim(limit: number) {
    const now = this.options.clock.nowMs();
    const claimedUntil = new Date(now + this.leaseMs).toISOString();
    const claimed = await claimDueDeliveries(
      this.options.store.db,
      this.options.store.engine,
      new Date(now).toISOString(),
      claimedUntil,
      limit,
      // An instance without SMTP leaves email to those that have it.
      this.options.mailer ? ['webhook', 'email'] : ['webhook'],
    );
    if (claimed.length === 0) return [];
    const events = new Map(
      (await findEvents(this.options.store.db, [...new Set(claimed.map((d) => d.event_id))])).map(
        (event) => [event.id, event],
      ),
    );
    return claimed.map((delivery) => ({
      delivery,
      event: events.get(delivery.event_id),
      claimedUntil,
    }));
  }

  /** Ends attempts in flight (as failures, retried later) and starts no more. */
  stop(): void {
    this.stopping.abort();
  }

  private async attempt(
    delivery: DeliveryRow,
    event: OutboxEventRow | undefined,
    claimedUntil: string,
    run: RunChecks,
  ): Promise<void> {
    const outcome = !event
      ? finalFailure('its event is gone')
      : !(await run.notificationsIncluded(delivery.org_id))
        ? finalFailure("the organization's plan no longer includes notifications")
        : delivery.channel === 'webhook'
          ? await this.sendWebhook(delivery, event)
          : await this.sendEmail(delivery, event, run);
    const attempts = delivery.attempts + 1;
    const now = this.options.clock.nowMs();
    const wait = this.options.retrySchedule[attempts - 1];
    const failed = !outcome.ok && (wait === undefined || outcome.final === true);
    await recordAttempt(this.options.store.db, delivery.id, claimedUntil, {
      status: outcome.ok ? 'delivered' : failed ? 'failed' : 'pending',
      attempts,
      next_attempt_at:
        outcome.ok || failed ? null : new Date(now + (wait ?? 0) * 1000).toISOString(),
      last_attempt_at: new Date(now).toISOString(),
      response_status: outcome.status,
      error: outcome.error,
      duration_ms: Math.round(outcome.durationMs),
    });
  }

  private async sendWebhook(
    delivery: DeliveryRow,
    event: OutboxEventRow,
  ): Promise<WebhookAttempt & { final?: boolean }> {
    const webhook = delivery.webhook_id
      ? await findWebhookById(this.options.store.db, delivery.webhook_id)
      : undefined;
    if (!webhook)
      return { ok: false, status: null, durationMs: 0, error: 'webhook deleted', final: true };
    // A disabled webhook's deliveries wait; enabling it again sends them (retries go on).
    if (webhook.active !== 1) {
      return { ok: false, status: null, durationMs: 0, error: 'webhook disabled' };
    }
    const timestamp = Math.floor(this.options.clock.nowMs() / 1000);
    return this.options.send(
      {
        url: webhook.url,
        headers: { ...webhookHeaders(webhook.secret, event.id, timestamp, event.body) },
        body: event.body,
      },
      {
        allowInsecure: this.options.allowInsecureWebhooks,
        signal: this.stopping.signal,
        ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      },
    );
  }

  private async sendEmail(
    delivery: DeliveryRow,
    event: OutboxEventRow,
    run: RunChecks,
  ): Promise<WebhookAttempt & { final?: boolean }> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (!this.options.mailer || delivery.recipient === null) {
      return { ok: false, status: null, durationMs: 0, error: 'no SMTP server configured here' };
    }
    // Who may hear is decided again when the message goes: an admin removed or deactivated
    // since the event gets nothing.
    const body = JSON.parse(event.body) as NoticeEvent;
    const creator = (body.data.token as { createdBy?: { id?: string } | null } | undefined)
      ?.createdBy?.id;
    if (!(await run.stillRecipient(delivery.org_id, creator ?? null, delivery.recipient))) {
      return finalFailure('the recipient no longer receives notifications of this organization');
    }
    try {
      const mail = noticeMail(body, {
        publicUrl: this.options.publicUrl(),
      });
      await this.options.mailer.send({ to: delivery.recipient, ...mail });
      return { ok: true, status: null, durationMs: elapsed(), error: null };
    } catch (error) {
      const permanent = (error as { permanent?: unknown }).permanent === true;
      return {
        ok: false,
        status: null,
        durationMs: elapsed(),
        error: error instanceof Error ? error.message : String(error),
        final: permanent,
      };
    }
  }
}

function finalFailure(error: string): WebhookAttempt & { final: true } {
  return { ok: false, status: null, durationMs: 0, error, final: true };
}

/**
 * What a delivery run checks again at send time, each read once per run: whether an
 * organization's plan still includes notifications, and who still receives its email.
 */
class RunChecks {
  private readonly plans = new Map<string, Promise<boolean>>();
  private readonly recipients = new Map<string, Promise<string[]>>();

  constructor(private readonly store: Store) {}

  notificationsIncluded(orgId: string): Promise<boolean> {
    return once(this.plans, orgId, async () => {
      const org = await this.store.db
        .selectFrom('orgs')
        .select('plan')
        .where('id', '=', orgId)
        .executeTakeFirst();
      return org !== undefined && planHasFeature(org.plan as Plan, 'notifications');
    });
  }

  async stillRecipient(orgId: string, creatorId: string | null, email: string): Promise<boolean> {
    const current = await once(this.recipients, `${orgId}/${creatorId}`, () =>
      notificationRecipients(this.store.db, orgId, creatorId),
    );
    return current.includes(email);
  }
}

function once<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = map.get(key);
  if (value === undefined) {
    value = load();
    map.set(key, value);
  }
  return value;
}
