import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import {
  type Awaitable,
  type FailureCounter,
  FailureLimiter,
  type LimitName,
  type RateLimitBackend,
  type RateLimitSettings,
  type RateLimits,
  rateLimitsWith,
} from './rate-limits.js';

/** Where the backend's transitions are told (the app's logger). */
export interface RateLimitLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface RedisLimitOptions {
  /** REDIS_URL. */
  url: string;
  log: RateLimitLog;
  /** A command without an answer this long counts locally instead (default 300 ms). */
  commandTimeoutMs?: number;
  /** While commands fail on an open connection, how often Redis is asked whether it is back. */
  probeMs?: number;
  /** How long start-up waits for Redis's first answer before it counts locally (default 2 s). */
  connectTimeoutMs?: number;
}

// Keys are `orgtoken:rl:<limit>:<key>`: one namespace, so a shared Redis can hold others.
const keyPrefix = 'orgtoken:rl';

// Takes back one failure, never below zero, in one step. (rate-limiter-flexible's `reward`
// would create a key of -1 with a fresh window if the window ended meanwhile.)
const undoScript = `local n = tonumber(redis.call('get', KEYS[1]) or '0')
if n > 0 then return redis.call('decr', KEYS[1]) end
return 0`;

/**
 * The connection every limit counts through, and which backend is in use. Requests never
 * wait for Redis to come back: while it is unreachable (connection refused or lost, a
 * command timed out, an error answer) every count is local, and the connection's own
 * reconnection, or a probe while the connection stays open but silent, brings the counts
 * back to Redis. Each transition is logged once.
 */
class RedisConnection {
  readonly client: Redis;
  private state: 'starting' | RateLimitBackend = 'starting';
  private closing = false;
  private probe: NodeJS.Timeout | null = null;
  private probing = false;
  private readonly settled: Promise<void>;

  constructor(private readonly options: RedisLimitOptions) {
    this.client = new Redis(options.url, {
      // A command sent while the connection is down fails at once instead of queueing: the
      // request counts locally rather than waiting for a reconnection.
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs ?? 300,
      // Commands in flight when the connection drops fail at once, and are never sent again
      // after a reconnection: by then they have been counted locally.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      // Reconnect forever, at most every 2 s: the counts come back to Redis by themselves.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      connectionName: 'orgtoken-rate-limits',
    });
    this.settled = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, (options.connectTimeoutMs ?? 2000) + 500);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', done);
      this.client.once('error', done);
    });
    this.client.on('ready', () => this.toRedis());
    // Connection errors (refused, reset, DNS) come here on every reconnection attempt; a
    // listener is also what keeps them from being reported as unhandled.
    this.client.on('error', (error: unknown) => this.toLocal(error));
    this.client.on('close', () => this.toLocal(new Error('connection to Redis closed')));
  }

  /** Resolves once Redis has answered or refused for the first time (bounded). */
  started(): Promise<void> {
    return this.settled;
  }

  backend(): RateLimitBackend {
    return this.state === 'redis' ? 'redis' : 'local';
  }

  /** Whether a count should go to Redis now. */
  usable(): boolean {
    return this.state === 'redis' && this.client.status === 'ready';
  }

  /** A command failed: count locally until Redis is back. */
  failed(error: unknown): void {
    this.toLocal(error);
  }

  private toRedis(): void {
    if (this.closing || this.state === 'redis') return;
    const again = this.state === 'local';
    this.state = 'redis';
    this.stopProbe();
    this.options.log.info(
      { backend: 'redis' },
      again ? 'rate limits counted in Redis again' : 'rate limits counted in Redis',
    );
  }

  private toLocal(error: unknown): void {
    if (this.closing) return;
    if (this.state !== 'local') {
      this.state = 'local';
      this.options.log.warn(
        { backend: 'local', err: error },
        'rate limits counted locally: Redis unreachable',
      );
    }
    this.startProbe();
  }

  // While the connection is open, nothing else would notice Redis answering again (a
  // reconnection emits `ready`; a server that stalled, or refused writes, does not). The
  // probe writes, as counting does: a server that answers reads only (a replica, out of
  // memory) is not back.
  private startProbe(): void {
    if (this.probe) return;
    this.probe = setInterval(() => {
      if (this.probing || this.client.status !== 'ready') return;
      this.probing = true;
      this.client
        .set(`${keyPrefix}:probe`, '1', 'PX', 10_000)
        .then(
          () => this.toRedis(),
          () => {},
        )
        .finally(() => {
          this.probing = false;
        });
    }, this.options.probeMs ?? 1000);
    this.probe.unref();
  }

  private stopProbe(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  close(): void {
    this.closing = true;
    this.stopProbe();
    this.client.disconnect();
  }
}

/**
 * Seconds a key is known here to be past its limit, learnt from the counts this instance
 * made. Bounded: past `maxKeys` the oldest is forgotten, which costs a round trip, never a
 * wrong answer.
 */
class KnownBlocks {
  private readonly until = new Map<string, number>();

  constructor(private readonly maxKeys = 100_000) {}

  secondsLeft(key: string, nowMs: number): number {
    if (this.until.size === 0) return 0;
    const endsAt = this.until.get(key);
    if (endsAt === undefined) return 0;
    if (nowMs < endsAt) return Math.ceil((endsAt - nowMs) / 1000);
    this.until.delete(key);
    return 0;
  }

  add(key: string, endsAt: number): void {
    this.until.delete(key);
    this.until.set(key, endsAt);
    if (this.until.size > this.maxKeys) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
  }

  delete(key: string): void {
    this.until.delete(key);
  }
}

/**
 * One limit counted in Redis for every instance: a failure is one atomic INCR that starts
 * the key's window on its first count (rate-limiter-flexible's script), and its answer
 * decides. Any call Redis does not answer is made on a local FailureLimiter instead, so a
 * request never fails for Redis's sake.
 */
class RedisFailureLimiter implements FailureCounter {
  private readonly redis: RateLimiterRedis;
  private readonly local: FailureLimiter;
  private readonly known = new KnownBlocks();

  constructor(
    private readonly connection: RedisConnection,
    name: LimitName,
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.redis = new RateLimiterRedis({
      storeClient: connection.client,
      keyPrefix: `${keyPrefix}:${name}`,
      points: limit,
      duration: Math.ceil(windowMs / 1000),
    });
    this.local = new FailureLimiter(limit, windowMs);
  }

  retryAfter(key: string, nowMs: number): Awaitable<number> {
    if (!this.connection.usable()) return this.whileAway(key, nowMs);
    return this.redis.get(key).then(
      (count) => {
        if (count === null || count.consumedPoints < this.limit) {
          // Redis's count is the truth: a block known here was undone, reset or forgotten.
          this.known.delete(key);
          return 0;
        }
        // Another instance's block too: remembered here, so that an outage does not lift it.
        this.known.add(key, nowMs + count.msBeforeNext);
        return seconds(count.msBeforeNext);
      },
      (error: unknown) => {
        this.connection.failed(error);
        return this.whileAway(key, nowMs);
      },
    );
  }

  // While Redis is away: a block seen in Redis holds until its window ends, and the local
  // count adds its own. Without the first, an outage would give every blocked account and
  // address a fresh allowance of attempts on each instance.
  private whileAway(key: string, nowMs: number): number {
    return Math.max(this.known.secondsLeft(key, nowMs), this.local.retryAfter(key, nowMs));
  }

  fail(key: string, nowMs: number): Awaitable<number> {
    if (!this.connection.usable()) return this.local.fail(key, nowMs);
    // penalty, not consume: consume rejects past the limit, and this wants the count either way.
    return this.redis.penalty(key, 1).then(
      (count) => {
        // A key at its limit refuses its next failure until the window ends, whoever sends it.
        if (count.consumedPoints >= this.limit) this.known.add(key, nowMs + count.msBeforeNext);
        return count.consumedPoints > this.limit ? seconds(count.msBeforeNext) : 0;
      },
      (error: unknown) => {
        // A command that timed out may still have counted in Redis; counting it here too
        // errs towards the limit, never past it.
        this.connection.failed(error);
        return this.local.fail(key, nowMs);
      },
    );
  }

  undo(key: string): Awaitable<void> {
    // A count taken back leaves the key below its limit: a block it made is not one.
    this.known.delete(key);
    if (!this.connection.usable()) return this.local.undo(key);
    return this.connection.client.eval(undoScript, 1, this.redis.getKey(key)).then(
      () => {},
      (error: unknown) => {
        this.connection.failed(error);
        this.local.undo(key);
      },
    );
  }

  reset(key: string): Awaitable<void> {
    this.known.delete(key);
    // The count of an outage goes too: a success proves the holder, whoever counted.
    this.local.reset(key);
    if (!this.connection.usable()) return;
    return this.redis.delete(key).then(
      () => {},
      (error: unknown) => this.connection.failed(error),
    );
  }

  knownBlockedFor(key: string, nowMs: number): number {
    const known = this.known.secondsLeft(key, nowMs);
    // While Redis is away the local count is the count; once it is back, it no longer is.
    if (known > 0 || this.connection.usable()) return known;
    return this.local.knownBlockedFor(key, nowMs);
  }
}

// A blocked answer always asks for at least a second: Retry-After: 0 would invite a retry.
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The limits counted in Redis for every instance (REDIS_URL, SPEC §13), locally while Redis
 * is unreachable. Resolves once Redis has first answered or refused, or after
 * `connectTimeoutMs`: an instance starts either way.
 */
export async function connectRateLimits(
  settings: RateLimitSettings,
  options: RedisLimitOptions,
): Promise<RateLimits> {
  const connection = new RedisConnection(options);
  await connection.started();
  return rateLimitsWith(
    settings,
    (name, limit, windowMs) => new RedisFailureLimiter(connection, name, limit, windowMs),
    {
      backend: () => connection.backend(),
      close: async () => connection.close(),
    },
  );
}
