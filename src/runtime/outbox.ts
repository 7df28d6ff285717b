import type { Clock } from '../domain/clock.js';
import { type NoticeEvent, noticeMail } from '../domain/notice-mail.js';
import { webhookHeaders } from '../domain/webhook-signature.js';
import type { Store } from '../store/db.js';
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

// A claim lasts longer than any attempt can (its timeout, 15 s by default), so a live
// instance always records its outcome before another could claim the same delivery again.
const leaseMarginMs = 5_000;
const claimBatch = 20;
// One run delivers at most this many batches; the next run goes on.
const maxBatches = 50;

/**
 * Delivers the outbox (docs/architecture.md "The outbox"): claims due deliveries, attempts
 * each once, records the outcome, and schedules a retry with backoff until the schedule is
 * spent. Every attempt of a webhook delivery carries the event's id as `webhook-id` and a
 * fresh timestamp and signature. At least once: a claim whose instance died comes due again
 * when its lease ends.
 */
export class OutboxDelivery {
  private readonly stopping = new AbortController();

  constructor(private readonly options: OutboxOptions) {}

  /** Delivers what is due now; resolves with the number of attempts made. */
  async deliverDue(): Promise<number> {
    let attempts = 0;
    for (let batch = 0; batch < maxBatches && !this.stopping.signal.aborted; batch++) {
      const now = this.options.clock.nowMs();
      const lease = (this.options.timeoutMs ?? defaultWebhookTimeoutMs) + leaseMarginMs;
      const claimedUntil = new Date(now + lease).toISOString();
      const claimed = await claimDueDeliveries(
        this.options.store.db,
        this.options.store.engine,
        new Date(now).toISOString(),
        claimedUntil,
        claimBatch,
      );
      if (claimed.length === 0) break;
      const events = new Map(
        (await findEvents(this.options.store.db, [...new Set(claimed.map((d) => d.event_id))])).map(
          (event) => [event.id, event],
        ),
      );
      await Promise.all(
        claimed.map((delivery) =>
          this.attempt(delivery, events.get(delivery.event_id), claimedUntil),
        ),
      );
      attempts += claimed.length;
      if (claimed.length < claimBatch) break;
    }
    return attempts;
  }

  /** Ends attempts in flight (as failures, retried later) and starts no more. */
  stop(): void {
    this.stopping.abort();
  }

  private async attempt(
    delivery: DeliveryRow,
    event: OutboxEventRow | undefined,
    claimedUntil: string,
  ): Promise<void> {
    const outcome = event
      ? delivery.channel === 'webhook'
        ? await this.sendWebhook(delivery, event)
        : await this.sendEmail(delivery, event)
      : { ok: false, status: null, durationMs: 0, error: 'its event is gone', final: true };
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
  ): Promise<WebhookAttempt & { final?: boolean }> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (!this.options.mailer || delivery.recipient === null) {
      return { ok: false, status: null, durationMs: 0, error: 'no SMTP server configured here' };
    }
    try {
      const mail = noticeMail(JSON.parse(event.body) as NoticeEvent, {
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
