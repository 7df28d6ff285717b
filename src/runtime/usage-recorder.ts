import type { Store } from '../store/db.js';
import { applyUsage } from '../store/tokens.js';
import type { Telemetry } from './telemetry.js';

interface Pending {
  lastUsedMs: number;
  ip: string | null;
  userAgent: string | null;
  /** The day (days since the epoch) of the latest uses, and their count: the common case. */
  day: number;
  uses: number;
  /** Uses on other days (a flush interval that spans midnight), or null. */
  otherDays: Map<number, number> | null;
}

/** Every day's count of `entry`, keyed by days since the epoch. */
function daysOf(entry: Pending): Map<number, number> {
  const days = new Map(entry.otherDays);
  days.set(entry.day, (days.get(entry.day) ?? 0) + entry.uses);
  return days;
}

/** Adds `count` uses on `day` to `entry`. */
function addUses(entry: Pending, day: number, count: number): void {
  if (day === entry.day) {
    entry.uses += count;
    return;
  }
  entry.otherDays ??= new Map();
  entry.otherDays.set(day, (entry.otherDays.get(day) ?? 0) + count);
}

const dayMs = 86_400_000;

/**
 * Usage of tokens (last use and per-day counts), coalesced in memory and written in batches:
 * recording is synchronous and touches no store, so verification never waits on a write. A
 * flush writes at most one update per token (plus its day counts) in one transaction.
 * Several instances may flush at once: counts add up and last use never moves back.
 */
export class UsageRecorder {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly telemetry: Telemetry,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /**
   * Notes one successful authentication. Allocation-free on the hot path: no date text, and
   * a use on the same day as the last is one increment.
   */
  record(tokenId: string, atMs: number, ip: string | null, userAgent: string | null): void {
    const day = Math.floor(atMs / dayMs);
    const entry = this.pending.get(tokenId);
    if (!entry) {
      this.pending.set(tokenId, { lastUsedMs: atMs, ip, userAgent, day, uses: 1, otherDays: null });
      return;
    }
    if (atMs >= entry.lastUsedMs) {
      entry.lastUsedMs = atMs;
      entry.ip = ip;
      entry.userAgent = userAgent;
    }
    addUses(entry, day, 1);
  }

  /** Tokens with usage not yet written. */
  get pendingTokens(): number {
    return this.pending.size;
  }

  /** Writes everything pending; resolves to the number of tokens written. */
  flush(): Promise<number> {
    // Flushes run one after another: a caller arriving during one waits, then writes the rest.
    const next = this.queue.then(() => this.write());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = this.pending;
    this.pending = new Map();
    try {
      // One order for every instance, so that two flushes of the same tokens cannot deadlock.
      const ordered = [...batch].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      await this.store.db.transaction().execute((trx) =>
        applyUsage(
          trx,
          ordered.map(([tokenId, usage]) => ({
            tokenId,
            lastUsedAt: new Date(usage.lastUsedMs).toISOString(),
            ip: usage.ip,
            userAgent: usage.userAgent,
            days: new Map(
              [...daysOf(usage)].map(([day, count]) => [
                new Date(day * dayMs).toISOString().slice(0, 10),
                count,
              ]),
            ),
          })),
        ),
      );
    } catch (error) {
      this.restore(batch);
      throw error;
    }
    this.telemetry.usageFlush(batch.size);
    return batch.size;
  }

  /** Puts a failed batch back so that no usage is lost when the store is briefly away. */
  private restore(batch: Map<string, Pending>): void {
    for (const [tokenId, usage] of batch) {
      const current = this.pending.get(tokenId);
      if (!current) {
        this.pending.set(tokenId, usage);
        continue;
      }
      for (const [day, count] of daysOf(usage)) addUses(current, day, count);
      if (usage.lastUsedMs > current.lastUsedMs) {
        current.lastUsedMs = usage.lastUsedMs;
        current.ip = usage.ip;
        current.userAgent = usage.userAgent;
      }
    }
  }

  /** Flushes every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.flush().catch(this.onError);
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is pending (graceful shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
