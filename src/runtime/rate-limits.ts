/** A value now, or once a shared store has answered. */
export type Awaitable<T> = T | Promise<T>;

/**
 * Failures per key in fixed windows that start at a key's first failure: in this instance's
 * memory (FailureLimiter), or in Redis for every instance (redis-rate-limits.ts). Never
 * throws: a store that cannot be reached is the implementation's problem, not the request's.
 */
export interface FailureCounter {
  readonly limit: number;
  /** Seconds until `key` may try again, or 0 when it is not blocked: the count as its store holds it. */
  retryAfter(key: string, nowMs: number): Awaitable<number>;
  /**
   * Counts one failure for `key`, atomically, and answers from the count it produced: the
   * seconds until the window ends when this failure is past the limit, else 0. Parallel
   * failures therefore get exactly `limit` zeros, whatever their order.
   */
  fail(key: string, nowMs: number): Awaitable<number>;
  /** Takes back one failure counted ahead of an attempt that then succeeded (never below zero). */
  undo(key: string): Awaitable<void>;
  /** Forgets `key` (a success proves the account holder is back). */
  reset(key: string): Awaitable<void>;
  /**
   * Seconds for which this instance already knows, without asking anyone, that the next
   * failure of `key` is past the limit; 0 when it does not know. For counts that are never
   * undone or reset (tokens, revocation requests): there, a key at its limit stays at it until
   * its window ends, so the answer this gives is the answer a count would give.
   */
  knownBlockedFor(key: string, nowMs: number): number;
}

/**
 * Counts failures per key in fixed windows, in memory. A key that reaches `limit` failures
 * is blocked until its window ends. Bounded: past `maxKeys` the oldest windows are dropped
 * (the limit then errs towards letting requests through, never towards blocking others).
 * Every answer is synchronous, so an instance without Redis awaits nothing here.
 */
export class FailureLimiter implements FailureCounter {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  retryAfter(key: string, nowMs: number): number {
    // The usual case on the request path: nobody has failed lately.
    if (this.windows.size === 0) return 0;
    const window = this.windows.get(key);
    if (!window) return 0;
    if (nowMs >= window.endsAt) {
      this.windows.delete(key);
      return 0;
    }
    return window.failures >= this.limit ? Math.ceil((window.endsAt - nowMs) / 1000) : 0;
  }

  fail(key: string, nowMs: number): number {
    let window = this.windows.get(key);
    if (!window || nowMs >= window.endsAt) {
      window = { failures: 0, endsAt: nowMs + this.windowMs };
      this.windows.delete(key);
      this.windows.set(key, window);
      while (this.windows.size > this.maxKeys) {
        const oldest = this.windows.keys().next().value;
        if (oldest === undefined) break;
        this.windows.delete(oldest);
      }
    }
    window.failures += 1;
    return window.failures > this.limit ? Math.ceil((window.endsAt - nowMs) / 1000) : 0;
  }

  undo(key: string): void {
    const window = this.windows.get(key);
    if (window && window.failures > 0) window.failures -= 1;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  /** In memory, what this instance knows is the whole count. */
  knownBlockedFor(key: string, nowMs: number): number {
    return this.retryAfter(key, nowMs);
  }
}

/**
 * Counts one failure for `key` unless this instance already knows it is past its limit;
 * answers the seconds to wait (0 within the limit). Only for counts never undone or reset
 * (see FailureCounter.knownBlockedFor): a flood from a blocked address then costs no round
 * trip to Redis, and its answers are the ones counting would give.
 */
export function countUnlessBlocked(
  counter: FailureCounter,
  key: string,
  nowMs: number,
): Awaitable<number> {
  const known = counter.knownBlockedFor(key, nowMs);
  return known > 0 ? known : counter.fail(key, nowMs);
}

/**
 * Seconds `key` must wait before its work starts: what this instance already knows, else
 * the count as its store holds it. Only for counts never undone or reset.
 */
export function blockedFor(counter: FailureCounter, key: string, nowMs: number): Awaitable<number> {
  const known = counter.knownBlockedFor(key, nowMs);
  return known > 0 ? known : counter.retryAfter(key, nowMs);
}

/**
 * Digests that were looked up and matched no token, remembered for `ttlMs`, so that an
 * address past its failure limit repeating one unknown secret costs no further store
 * look-up. Bounded: past `maxEntries` the oldest is forgotten first, which costs a look-up,
 * never a wrong answer. Per instance even with Redis: it saves this instance's look-ups.
 */
export class RecentDigests {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  has(key: string, nowMs: number): boolean {
    if (this.seen.size === 0) return false;
    const until = this.seen.get(key);
    if (until === undefined) return false;
    if (nowMs < until) return true;
    this.seen.delete(key);
    return false;
  }

  add(key: string, nowMs: number): void {
    this.seen.delete(key);
    this.seen.set(key, nowMs + this.ttlMs);
    if (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

/** Where the counts are kept: `redis`, shared by every instance, or this instance's memory. */
export type RateLimitBackend = 'redis' | 'local';

/** The limits behind 429 RATE_LIMITED (docs/security.md "Rate limiting"), configurable (ORGTOKEN_*_FAILURE_LIMIT). */
export interface RateLimits {
  /** Failed token authentications per client IP. */
  tokenFailures: FailureCounter;
  /** Secrets that matched no token lately (see RecentDigests). */
  unknownTokens: RecentDigests;
  /** Wrong passwords per account and, separately, per client IP. */
  passwordFailures: FailureCounter;
  /** Requests to the public credentials/revoke endpoint per client IP: 60 an hour. */
  revokeRequests: FailureCounter;
  /** The backend counting right now (orgtoken_rate_limit_backend in /metrics). */
  backend(): RateLimitBackend;
  /** Lets go of the backend's connection, if any. */
  close(): Promise<void>;
}

/** Failures allowed per window (config.ts: ORGTOKEN_TOKEN_FAILURE_LIMIT, ORGTOKEN_PASSWORD_FAILURE_LIMIT). */
export interface RateLimitSettings {
  tokenFailuresPerMinute: number;
  passwordFailuresPer15Minutes: number;
}

/** SPEC §11: every request counts, whatever it held. */
export const revokeRequestsPerHour = 60;

/** The counted limits by name (the name is part of a Redis key), with their windows. */
export const limitWindows = {
  token: 60_000,
  password: 15 * 60_000,
  revoke: 3600_000,
} as const;

export type LimitName = keyof typeof limitWindows;

/** The four limits, each counted by `counter(name, limit, windowMs)`. */
export function rateLimitsWith(
  settings: RateLimitSettings,
  counter: (name: LimitName, limit: number, windowMs: number) => FailureCounter,
  backend: Pick<RateLimits, 'backend' | 'close'>,
): RateLimits {
  return {
    tokenFailures: counter('token', settings.tokenFailuresPerMinute, limitWindows.token),
    unknownTokens: new RecentDigests(60_000),
    passwordFailures: counter(
      'password',
      settings.passwordFailuresPer15Minutes,
      limitWindows.password,
    ),
    revokeRequests: counter('revoke', revokeRequestsPerHour, limitWindows.revoke),
    backend: backend.backend,
    close: backend.close,
  };
}

/** The limits counted in this instance's memory (no REDIS_URL). */
export function createRateLimits(settings: RateLimitSettings): RateLimits {
  return rateLimitsWith(settings, (_name, limit, windowMs) => new FailureLimiter(limit, windowMs), {
    backend: () => 'local',
    close: async () => {},
  });
}
