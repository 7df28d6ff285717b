import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { generateToken } from '../../src/domain/token-format.js';
import { createTestApp, password, type TestApp } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { createOrgToken } from '../helpers/tokens.js';

// SPEC §13: two instances on one store and one Redis count one limit between them.
const rateLimits = { tokenFailuresPerMinute: 5, passwordFailuresPer15Minutes: 3 };

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithRedis('rate limits shared by two instances through Redis', () => {
  describeEachEngine('two instances', (engine) => {
    let redis: RedisServer;
    let raw: Redis;
    let t: TestApp;
    let other: FastifyInstance;
    let apps: FastifyInstance[];

    beforeAll(async () => {
      redis = await startRedisServer();
      raw = new Redis(redis.url, { lazyConnect: true });
      t = await createTestApp(engine, { rateLimits, redisUrl: redis.url });
      // A second instance on the same store, as a second server process would be.
      other = await buildApp({
        store: t.store,
        clock: t.clock,
        passwords: t.deps.passwords,
        sessions: t.deps.sessions,
        logger: false,
        webRoot: false,
        rateLimits,
        redisUrl: redis.url,
        checkDeclaredStatuses: true,
      });
      apps = [t.app, other];
    });
    afterAll(async () => {
      await other?.close();
      await t?.close();
      raw?.disconnect();
      await redis?.stop();
    });

    let addresses = 0;
    const freshIp = () => {
      addresses += 1;
      return `192.0.2.${addresses}`;
    };
    /** The instance that answers request `i` (round robin, as a proxy would). */
    const instance = (i: number) => apps[i % 2] as FastifyInstance;
    const me = (app: FastifyInstance, secret: string, remoteAddress: string) =>
      app.inject({
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${secret}` },
        remoteAddress,
      });
    const signIn = (app: FastifyInstance, email: string, secret: string, remoteAddress: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email, password: secret },
        remoteAddress,
      });
    const backendGauge = async (app: FastifyInstance) => {
      const text = (await app.inject({ url: '/metrics' })).body;
      const value = (backend: string) =>
        Number(
          new RegExp(`^orgtoken_rate_limit_backend\\{backend="${backend}"\\} (\\d+)$`, 'm').exec(
            text,
          )?.[1],
        );
      return { redis: value('redis'), local: value('local') };
    };

    it('limits failed tokens at the cluster limit, whichever instance answers', async () => {
      const address = freshIp();
      for (let i = 0; i < rateLimits.tokenFailuresPerMinute; i += 1) {
        const answer = await me(instance(i), generateToken('organization'), address);
        expect(answer.statusCode, `failure ${i + 1}`).toBe(401);
      }
      for (const app of apps) {
        const blocked = await me(app, generateToken('organization'), address);
        expect(blocked.statusCode).toBe(429);
        expect(blocked.json().error.code).toBe('RATE_LIMITED');
        expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
      expect((await me(other, generateToken('organization'), freshIp())).statusCode).toBe(401);
    });

    it('gives exactly the limit of 401s to failures sent at once through both instances', async () => {
      const address = freshIp();
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          me(instance(i), generateToken('organization'), address),
        ),
      );
      const statuses = answers.map((answer) => answer.statusCode);
      expect(statuses.filter((s) => s === 401)).toHaveLength(rateLimits.tokenFailuresPerMinute);
      expect(statuses.filter((s) => s === 429)).toHaveLength(
        40 - rateLimits.tokenFailuresPerMinute,
      );
    });

    it("never refuses a valid token for other credentials' failures from its address", async () => {
      const root = await t.newSession({ instanceAdmin: true });
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin });
      const cached = await createOrgToken(t, admin, org.key);
      const uncached = await createOrgToken(t, admin, org.key);
      const address = freshIp();
      expect((await me(t.app, cached.token, address)).statusCode).toBe(200);
      for (let i = 0; i < 2 * rateLimits.tokenFailuresPerMinute; i += 1) {
        await me(instance(i), generateToken('organization'), address);
      }
      for (const app of apps) {
        expect((await me(app, generateToken('organization'), address)).statusCode).toBe(429);
        expect((await me(app, cached.token, address)).statusCode).toBe(200);
      }
      // Not cached on `other` until now: looked up, and it passes.
      expect((await me(other, uncached.token, address)).statusCode).toBe(200);
    });

    it('refuses a repeated unknown secret from a blocked address without a store look-up', async () => {
      const address = freshIp();
      const unknown = generateToken('organization');
      for (let i = 0; i < rateLimits.tokenFailuresPerMinute; i += 1) {
        await me(t.app, unknown, address);
      }
      // The other instance has neither seen the secret nor the address: it looks up once,
      // learns from the shared count that the address is past its limit, and stops looking.
      const first = await me(other, unknown, address);
      expect(first.statusCode).toBe(429);
      for (const app of apps) {
        for (let i = 0; i < 3; i += 1) {
          const before = t.queries.count;
          expect((await me(app, unknown, address)).statusCode).toBe(429);
          expect(t.queries.count - before).toBe(0);
        }
      }
    });

    it('limits password guesses per account across both instances, and keeps no email in Redis', async () => {
      const user = await t.createUser();
      for (let i = 0; i < rateLimits.passwordFailuresPer15Minutes; i += 1) {
        const answer = await signIn(instance(i), user.email, 'wrong password here', freshIp());
        expect(answer.statusCode, `guess ${i + 1}`).toBe(401);
      }
      for (const app of apps) {
        const blocked = await signIn(app, user.email, password, freshIp());
        expect(blocked.statusCode).toBe(429);
        expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      }
      // A blocked guess costs no scrypt work, on either instance.
      const before = t.deps.passwords.derivations;
      await signIn(other, user.email, 'another wrong one', freshIp());
      expect(t.deps.passwords.derivations).toBe(before);

      const keys = await raw.keys('orgtoken:rl:password:*');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).toMatch(/^orgtoken:rl:password:(account:[0-9a-f]{64}|ip:[0-9.]+)$/);
        expect(key).not.toContain(user.email.split('@')[0]);
      }
    });

    it('counts password guesses sent at once through both instances before any is checked', async () => {
      const user = await t.createUser();
      const guesses = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          signIn(instance(i), user.email, `parallel guess ${i}`, freshIp()),
        ),
      );
      const statuses = guesses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    });

    it('limits credentials/revoke to 60 an hour per address across both instances', async () => {
      const address = freshIp();
      const answers = await Promise.all(
        Array.from({ length: 61 }, (_, i) =>
          instance(i).inject({
            method: 'POST',
            url: '/api/v1/credentials/revoke',
            payload: { credentials: [generateToken('organization')] },
            remoteAddress: address,
          }),
        ),
      );
      const statuses = answers.map((answer) => answer.statusCode);
      expect(statuses.filter((s) => s === 202)).toHaveLength(60);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    });

    // Last: it restarts Redis, which forgets every count.
    it('shows the backend in /metrics; with Redis down counts per instance, never a 5xx; then Redis again', async () => {
      for (const app of apps) expect(await backendGauge(app)).toEqual({ redis: 1, local: 0 });

      await redis.stop();
      const address = freshIp();
      const statuses: number[] = [];
      for (let i = 0; i < 4 * rateLimits.tokenFailuresPerMinute; i += 1) {
        statuses.push((await me(instance(i), generateToken('organization'), address)).statusCode);
      }
      // Each instance counts alone: up to the limit on each, never a 5xx.
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
      expect(statuses.filter((s) => s === 401)).toHaveLength(2 * rateLimits.tokenFailuresPerMinute);
      const user = await t.createUser();
      expect((await signIn(other, user.email, password, freshIp())).statusCode).toBe(200);
      for (const app of apps) expect(await backendGauge(app)).toEqual({ redis: 0, local: 1 });

      await redis.start();
      for (const app of apps) {
        await waitFor('back on Redis', async () => (await backendGauge(app)).redis === 1);
      }
      const again = freshIp();
      for (let i = 0; i < rateLimits.tokenFailuresPerMinute; i += 1) {
        expect((await me(instance(i), generateToken('organization'), again)).statusCode).toBe(401);
      }
      expect((await me(other, generateToken('organization'), again)).statusCode).toBe(429);
    });
  });
});

it('shows local counting in /metrics without REDIS_URL', async () => {
  const t = await createTestApp('sqlite');
  try {
    const text = (await t.app.inject({ url: '/metrics' })).body;
    expect(text).toContain('orgtoken_rate_limit_backend{backend="local"} 1');
    expect(text).toContain('orgtoken_rate_limit_backend{backend="redis"} 0');
  } finally {
    await t.close();
  }
});
