/**
 * Counts failures per key in fixed windows, in memory. A key that reaches `limit` failures
 * is blocked until its window ends. Bounded: past `maxKeys` the oldest windows are dropped
 * (the limit then errs towards letting requests through, never towards blocking others).
 * In memory per instance by design: several instances each enforce their own limit.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds until `key` may try again, or 0 when it is not blocked. */
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

  /** Counts one failure for `key`. */
  fail(key: string, nowMs: number): void {
    const window = this.windows.get(key);
    if (window && nowMs < window.endsAt) {
      window.failures += 1;
      return;
    }
    this.windows.delete(key);
    this.windows.set(key, { failures: 1, endsAt: nowMs + this.windowMs });
    while (this.windows.size > this.maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }

  /** Takes back one failure counted ahead of an attempt that then succeeded. */
  undo(key: string): void {
    const window = this.windows.get(key);
    if (window && window.failures > 0) window.failures -= 1;
  }

  /** Forgets `key` (a success proves the account holder is back). */
  reset(key: string): void {
    this.windows.delete(key);
  }
}

/**
 * Digests that were looked up and matched no token, remembered for `ttlMs`, so that an
 * address past its failure limit repeating one unknown secret costs no further store
 * look-up. Bounded: past `maxEntries` the oldest is forgotten first, which costs a look-up,
 * never a wrong answer.
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

/** The limits behind 429 RATE_LIMITED (docs/security.md "Rate limiting"), configurable (ORGTOKEN_*_FAILURE_LIMIT). */
export interface RateLimits {
  /** Failed token authentications per client IP. */
  tokenFailures: FailureLimiter;
  /** Secrets that matched no token lately (see RecentDigests). */
  unknownTokens: RecentDigests;
  /** Wrong passwords per account and, separately, per client IP. */
  passwordFailures: FailureLimiter;
  /** Requests to the public credentials/revoke endpoint per client IP: 60 an hour. */
  revokeRequests: FailureLimiter;
}

/** SPEC §11: every request counts, whatever it held. */
export const revokeRequestsPerHour = 60;

export function createRateLimits(options: {
  tokenFailuresPerMinute: number;
  passwordFailuresPer15Minutes: number;
}): RateLimits {
  return {
    tokenFailures: new FailureLimiter(options.tokenFailuresPerMinute, 60_000),
    unknownTokens: new RecentDigests(60_000),
    passwordFailures: new FailureLimiter(options.passwordFailuresPer15Minutes, 15 * 60_000),
    revokeRequests: new FailureLimiter(revokeRequestsPerHour, 3600_000),
  };
}
