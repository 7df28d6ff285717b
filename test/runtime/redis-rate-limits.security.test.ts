import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { countUnlessBlocked, type RateLimits } from '../../src/runtime/rate-limits.js';
import { connectRateLimits, type RateLimitLog } from '../../src/runtime/redis-rate-limits.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { freePort } from '../helpers/server-process.js';

const settings = { tokenFailuresPerMinute: 10, passwordFailuresPer15Minutes: 3 };

function recordingLog(): RateLimitLog & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    warn: (_details, message) => warnings.push(message),
    info: (_details, message) => infos.push(message),
  };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeWithRedis('rate limits counted in Redis', () => {
  let server: RedisServer;
  // A plain client of the test's own, to read what the limits wrote.
  let raw: Redis;
  const opened: RateLimits[] = [];
  let address = 0;
  /** An address no other test counted for. */
  const freshIp = () => {
    address += 1;
    return `192.0.2.${address}`;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((limits) => limits.close()));
  });
  afterAll(async () => {
    raw?.disconnect();
    await server?.stop();
  });

  /** One instance's limits, as a server with REDIS_URL builds them. */
  async function instance(log = recordingLog()): Promise<RateLimits> {
    const limits = await connectRateLimits(settings, {
      url: server.url,
      log,
      commandTimeoutMs: 200,
      probeMs: 100,
    });
    opened.push(limits);
    return limits;
  }

  it('counts one limit for two instances sharing Redis', async () => {
    const [a, b] = [await instance(), await instance()];
    expect([a.backend(), b.backend()]).toEqual(['redis', 'redis']);
    const ip = freshIp();
    const now = Date.now();
    for (let i = 0; i < settings.tokenFailuresPerMinute; i += 1) {
      expect(await (i % 2 === 0 ? a : b).tokenFailures.fail(ip, now), `failure ${i + 1}`).toBe(0);
    }
    const [fromA, fromB] = [
      await a.tokenFailures.fail(ip, now),
      await b.tokenFailures.fail(ip, now),
    ];
    for (const wait of [fromA, fromB]) {
      expect(wait).toBeGreaterThan(55);
      expect(wait).toBeLessThanOrEqual(60);
    }
    // Both read the cluster's count, and another address is not affected.
    expect(await a.tokenFailures.retryAfter(ip, now)).toBeGreaterThan(0);
    expect(await b.tokenFailures.retryAfter(ip, now)).toBeGreaterThan(0);
    expect(await b.tokenFailures.retryAfter(freshIp(), now)).toBe(0);
    expect(await raw.get(`orgtoken:rl:token:${ip}`)).toBe('12');
    // The window is Redis's: it started at the first failure and ends a minute later.
    const ttl = await raw.pttl(`orgtoken:rl:token:${ip}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('answers exactly the limit within it among 100 failures sent at once through two instances', async () => {
    const [a, b] = [await instance(), await instance()];
    const ip = freshIp();
    const now = Date.now();
    const waits = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).tokenFailures.fail(ip, now)),
    );
    expect(waits.filter((wait) => wait === 0)).toHaveLength(settings.tokenFailuresPerMinute);
    expect(waits.filter((wait) => wait > 0)).toHaveLength(100 - settings.tokenFailuresPerMinute);
    // No count was lost to a race.
    expect(await raw.get(`orgtoken:rl:token:${ip}`)).toBe('100');
  });

  it('refuses a flood from an address it saw past the limit without asking Redis', async () => {
    const [a, b] = [await instance(), await instance()];
    const ip = freshIp();
    const now = Date.now();
    for (let i = 0; i < settings.tokenFailuresPerMinute; i += 1)
      await a.tokenFailures.fail(ip, now);
    // a counted the limit-th failure itself, so it knows the next one is past the limit; b
    // has not seen the address and asks Redis.
    expect(a.tokenFailures.knownBlockedFor(ip, now)).toBeGreaterThan(0);
    expect(b.tokenFailures.knownBlockedFor(ip, now)).toBe(0);
    for (let i = 0; i < 20; i += 1) {
      const wait = countUnlessBlocked(a.tokenFailures, ip, now);
      expect(typeof wait).toBe('number');
      expect(wait).toBeGreaterThan(0);
    }
    expect(await raw.get(`orgtoken:rl:token:${ip}`)).toBe('10');
    expect(await countUnlessBlocked(b.tokenFailures, ip, now)).toBeGreaterThan(0);
    expect(await raw.get(`orgtoken:rl:token:${ip}`)).toBe('11');
    expect(b.tokenFailures.knownBlockedFor(ip, now)).toBeGreaterThan(0);
  });

  it('takes a password failure back, never below zero, and forgets a reset key on every instance', async () => {
    const [a, b] = [await instance(), await instance()];
    const key = `account:${'ab'.repeat(32)}`;
    const stored = `orgtoken:rl:password:${key}`;
    const now = Date.now();
    for (let i = 0; i < settings.passwordFailuresPer15Minutes; i += 1) {
      await a.passwordFailures.fail(key, now);
    }
    const wait = await b.passwordFailures.retryAfter(key, now);
    expect(wait).toBeGreaterThan(15 * 60 - 5);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    await b.passwordFailures.undo(key);
    expect(await a.passwordFailures.retryAfter(key, now)).toBe(0);
    expect(await raw.get(stored)).toBe('2');
    await a.passwordFailures.reset(key);
    expect(await raw.exists(stored)).toBe(0);
    // An undo with nothing counted creates nothing (no key of -1 with a fresh window).
    await b.passwordFailures.undo(key);
    expect(await raw.exists(stored)).toBe(0);
  });

  it('counts locally while Redis is down, never throws, logs it once, and comes back by itself', async () => {
    const log = recordingLog();
    const a = await instance(log);
    expect(log.infos).toEqual(['rate limits counted in Redis']);
    const before = freshIp();
    await a.tokenFailures.fail(before, Date.now());

    await server.stop();
    const ip = freshIp();
    const now = Date.now();
    const waits: number[] = [];
    for (let i = 0; i <= settings.tokenFailuresPerMinute; i += 1) {
      waits.push(await a.tokenFailures.fail(ip, now));
    }
    // The limit holds, counted here.
    expect(waits.slice(0, -1)).toEqual(Array(settings.tokenFailuresPerMinute).fill(0));
    expect(waits.at(-1)).toBeGreaterThan(0);
    expect(await a.tokenFailures.retryAfter(ip, now)).toBeGreaterThan(0);
    expect(a.tokenFailures.knownBlockedFor(ip, now)).toBeGreaterThan(0);
    await a.passwordFailures.fail('ip:x', now);
    await a.passwordFailures.undo('ip:x');
    await a.passwordFailures.reset('ip:x');
    expect(a.backend()).toBe('local');
    expect(log.warnings).toEqual(['rate limits counted locally: Redis unreachable']);

    await server.start();
    await waitFor('back on Redis', () => a.backend() === 'redis');
    expect(log.infos).toEqual([
      'rate limits counted in Redis',
      'rate limits counted in Redis again',
    ]);
    expect(log.warnings).toHaveLength(1);
    const after = freshIp();
    expect(await a.tokenFailures.fail(after, Date.now())).toBe(0);
    expect(await raw.get(`orgtoken:rl:token:${after}`)).toBe('1');
    // The counts of the outage were this instance's alone; Redis restarted empty.
    expect(await raw.exists(`orgtoken:rl:token:${before}`)).toBe(0);
    expect(a.tokenFailures.knownBlockedFor(ip, Date.now())).toBe(0);
  });

  /** Runs `check` with Redis stopped and `a` counting locally, then waits for both back on Redis. */
  async function whileRedisIsDown(
    [a, b]: [RateLimits, RateLimits],
    check: () => Promise<void>,
  ): Promise<void> {
    await server.stop();
    try {
      await waitFor('counting locally', () => a.backend() === 'local');
      await check();
    } finally {
      await server.start();
    }
    await waitFor('back on Redis', () => a.backend() === 'redis' && b.backend() === 'redis');
  }

  it("keeps a block it saw in Redis, its own or another instance's, while Redis is down", async () => {
    const a = await instance();
    const b = await instance();
    const account = `account:${freshIp()}`;
    const address = `ip:${freshIp()}`;
    const now = Date.now();
    // b blocks the account; a blocks the address itself.
    for (let i = 0; i < settings.passwordFailuresPer15Minutes; i += 1) {
      await b.passwordFailures.fail(account, now);
      await a.passwordFailures.fail(address, now);
    }
    expect(await a.passwordFailures.retryAfter(account, now)).toBeGreaterThan(0);
    expect(await a.passwordFailures.retryAfter(address, now)).toBeGreaterThan(0);

    await whileRedisIsDown([a, b], async () => {
      // a counted nothing locally (its failures went to Redis): the blocks are what Redis said.
      expect(await a.passwordFailures.retryAfter(account, now + 1000)).toBeGreaterThan(14 * 60);
      expect(await a.passwordFailures.retryAfter(address, now + 1000)).toBeGreaterThan(14 * 60);
      // A key Redis never said was blocked is not.
      expect(await a.passwordFailures.retryAfter(`account:${freshIp()}`, now)).toBe(0);
      // The block ends with its window.
      expect(await a.passwordFailures.retryAfter(account, now + 15 * 60_000 + 1000)).toBe(0);
    });
  });

  it('keeps no block that a success took back or that Redis no longer holds, when Redis goes down', async () => {
    const a = await instance();
    const b = await instance();
    const undone = `ip:${freshIp()}`;
    const resetElsewhere = `account:${freshIp()}`;
    const now = Date.now();
    for (let i = 0; i < settings.passwordFailuresPer15Minutes; i += 1) {
      await a.passwordFailures.fail(undone, now);
      await a.passwordFailures.fail(resetElsewhere, now);
    }
    // The last count was an attempt that then succeeded: taken back, below the limit.
    await a.passwordFailures.undo(undone);
    expect(await a.passwordFailures.retryAfter(undone, now)).toBe(0);
    // A success on another instance resets the account; a reads Redis's answer.
    await b.passwordFailures.reset(resetElsewhere);
    expect(await a.passwordFailures.retryAfter(resetElsewhere, now)).toBe(0);

    await whileRedisIsDown([a, b], async () => {
      expect(await a.passwordFailures.retryAfter(undone, now + 1000)).toBe(0);
      expect(await a.passwordFailures.retryAfter(resetElsewhere, now + 1000)).toBe(0);
    });
  });

  it('counts locally within the command timeout when Redis stalls, and returns once it answers', async () => {
    const log = recordingLog();
    const a = await instance(log);
    const ip = freshIp();
    server.pause();
    try {
      const started = Date.now();
      expect(await a.tokenFailures.fail(ip, Date.now())).toBe(0);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(a.backend()).toBe('local');
      // Later calls do not wait for the stalled server at all.
      expect(typeof a.tokenFailures.fail(ip, Date.now())).toBe('number');
      expect(log.warnings).toEqual(['rate limits counted locally: Redis unreachable']);
    } finally {
      server.resume();
    }
    await waitFor('back on Redis', () => a.backend() === 'redis');
    expect(log.infos.at(-1)).toBe('rate limits counted in Redis again');
  });

  it('starts counting locally when Redis cannot be reached, and says so', async () => {
    const log = recordingLog();
    const started = Date.now();
    const limits = await connectRateLimits(settings, {
      url: `redis://127.0.0.1:${await freePort()}`,
      log,
    });
    opened.push(limits);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(limits.backend()).toBe('local');
    expect(log.warnings).toEqual(['rate limits counted locally: Redis unreachable']);
    const ip = freshIp();
    for (let i = 0; i < settings.tokenFailuresPerMinute; i += 1) {
      expect(await limits.tokenFailures.fail(ip, Date.now())).toBe(0);
    }
    expect(await limits.tokenFailures.fail(ip, Date.now())).toBeGreaterThan(0);
  });

  it('keeps every count under its own namespace', async () => {
    const a = await instance();
    const now = Date.now();
    await a.tokenFailures.fail(freshIp(), now);
    await a.revokeRequests.fail(freshIp(), now);
    await a.passwordFailures.fail('ip:198.51.100.1', now);
    const keys = await raw.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^orgtoken:rl:(token|revoke|password|probe)(:|$)/);
    const revokeTtl = await raw.pttl(
      keys.find((key) => key.startsWith('orgtoken:rl:revoke:')) ?? '',
    );
    expect(revokeTtl).toBeGreaterThan(3_590_000);
  });
});
