import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/domain/token-format.js';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import {
  type Haproxy,
  haproxyInstalled,
  proxySourceAddress,
  startHaproxy,
} from '../helpers/haproxy.js';
import { closeAgents, type LoadReport, send, startLoad } from '../helpers/http-load.js';
import { type RedisServer, redisInstalled, startRedisServer } from '../helpers/redis-server.js';
import { lintFixture } from '../helpers/reports.js';
import {
  freePort,
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';

// SPEC §13: three instances on one PostgreSQL database and one Redis server, behind a real
// HAProxy that connects from 127.0.0.2 (the only address TRUST_PROXY names). Clients connect
// from other loopback addresses, so the instances can tell a client from the proxy.

const ci = process.env.CI === 'true' || process.env.CI === '1';
const missing = [
  ...(testDatabaseUrl ? [] : ['TEST_DATABASE_URL']),
  ...(haproxyInstalled() ? [] : ['haproxy']),
  ...(redisInstalled() ? [] : ['redis-server']),
];
if (missing.length > 0 && !ci) {
  console.warn(`\n!! the cluster test is SKIPPED: ${missing.join(', ')} missing !!\n`);
}

const admin = { email: 'root@example.test', password: 'a long admin password' };
const failureLimit = 30;
const names = ['o1', 'o2', 'o3'];

interface Cluster {
  instances: ServerProcess[];
  ports: number[];
  env: Record<string, string>;
  proxy: Haproxy;
  redis: RedisServer;
  session: SessionClient;
  drop: () => Promise<void>;
}

async function createToken(
  session: SessionClient,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; token: string }> {
  const created = await session.call('POST', '/api/v1/orgs/acme/tokens', {
    name,
    permissions: ['analysis:execute', 'project:browse'],
    projects: { mode: 'all' },
    expiresAt: null,
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id as string, token: created.body.token as string };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** One metric's value on one instance, or 0 when it has no such series yet. */
async function metric(url: string, series: string): Promise<number> {
  const text = (await send(`${url}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Failed authentications answered by one instance so far (401s and 429s). */
async function failuresServed(url: string): Promise<number> {
  const invalid = await metric(url, 'orgtoken_token_authentications_total{result="TOKEN_INVALID"}');
  const limited = await metric(url, 'orgtoken_token_authentications_total{result="RATE_LIMITED"}');
  return invalid + limited;
}

/** Sends `count` made-up tokens through the proxy from `from`, one after the other. */
async function failFrom(proxy: Haproxy, from: string, count: number) {
  const statuses: Record<number, number> = {};
  for (let i = 0; i < count; i++) {
    const answer = await send(`${proxy.url}/api/v1/orgs/acme/projects/backend`, {
      from,
      headers: bearer(generateToken('organization')),
    });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  }
  return statuses;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(missing.length > 0 && !ci)(
  'three instances behind HAProxy, one PostgreSQL database, one Redis server',
  () => {
    let cluster: Cluster;
    let load: ReturnType<typeof startLoad>;
    let loadToken: string;
    const startedAt = Date.now();

    beforeAll(async () => {
      if (missing.length > 0) throw new Error(`CI=true and ${missing.join(', ')} missing`);
      const database = await freshDatabaseUrl('postgres');
      const redis = await startRedisServer();
      const ports = await Promise.all(names.map(() => freePort()));
      const env = {
        ...serverEnv(database.url, admin),
        REDIS_URL: redis.url,
        TRUST_PROXY: proxySourceAddress,
        ORGTOKEN_TOKEN_FAILURE_LIMIT: String(failureLimit),
        ORGTOKEN_SHUTDOWN_DELAY_SECONDS: '1',
        ORGTOKEN_SHUTDOWN_GRACE_SECONDS: '10',
      };
      // The first creates the admin and applies the migrations; the others find them.
      const first = await startServerProcess(env, { port: ports[0] });
      const others = await Promise.all(
        ports.slice(1).map((port) => startServerProcess(env, { port })),
      );
      const instances = [first, ...others];
      const proxy = await startHaproxy(names.map((name, i) => ({ name, port: ports[i] ?? 0 })));
      await proxy.waitUntilUp(names);
      const session = await signedIn(first.url, admin);
      expect(
        (
          await session.call('POST', '/api/v1/orgs', {
            key: 'acme',
            name: 'Acme',
            plan: 'enterprise',
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await session.call('POST', '/api/v1/orgs/acme/projects', {
            key: 'backend',
            name: 'Backend',
          })
        ).status,
      ).toBe(201);
      cluster = {
        instances,
        ports,
        env,
        proxy,
        redis,
        session,
        drop: () => database.drop(),
      };

      // The steady load: three readers and one uploader of a real ESLint SARIF report.
      const report = (await lintFixture()).eslintSarif;
      loadToken = (await createToken(session, 'load')).token;
      load = startLoad(4, (worker) =>
        worker === 0
          ? {
              url: `${proxy.url}/api/v1/orgs/acme/projects/backend/analyses?format=sarif`,
              method: 'POST',
              headers: { ...bearer(loadToken), 'content-type': 'application/json' },
              body: report,
            }
          : { url: `${proxy.url}/api/v1/orgs/acme/projects/backend`, headers: bearer(loadToken) },
      );
    }, 90_000);

    afterAll(async () => {
      await load?.stop();
      closeAgents();
      if (!cluster) return;
      await Promise.all(cluster.instances.map((instance) => instance.stop('SIGINT')));
      await cluster.proxy.stop();
      await cluster.redis.stop();
      await cluster.drop();
      console.log(`cluster test: ${((Date.now() - startedAt) / 1000).toFixed(1)} s in all`);
    }, 60_000);

    it('sees the client address through the proxy; a spoofed X-Forwarded-For changes nothing', async () => {
      const { proxy, session, instances } = cluster;
      const { token } = await createToken(session, 'office', { allowedCidrs: ['127.0.0.5/32'] });
      const read = (base: string, from: string, headers: Record<string, string> = {}) =>
        send(`${base}/api/v1/orgs/acme/projects/backend`, {
          from,
          headers: { ...bearer(token), ...headers },
        });
      // Through the proxy, from the allowed address and from another one.
      expect((await read(proxy.url, '127.0.0.5')).status).toBe(200);
      const outside = await read(proxy.url, '127.0.0.6');
      expect(outside.status).toBe(403);
      expect(JSON.parse(outside.body).error.code).toBe('IP_NOT_ALLOWED');
      // The other address claims to be the allowed one: the proxy appends the real address,
      // and the instances read only the hop the proxy added.
      const spoofed = await read(proxy.url, '127.0.0.6', { 'x-forwarded-for': '127.0.0.5' });
      expect(spoofed.status).toBe(403);
      // A client connecting to an instance directly is no proxy: its header is ignored.
      for (const instance of instances) {
        const direct = await read(instance.url, '127.0.0.6', { 'x-forwarded-for': '127.0.0.5' });
        expect(direct.status).toBe(403);
        expect((await read(instance.url, '127.0.0.5')).status).toBe(200);
      }
    });

    it('limits failed tokens at the cluster limit; with Redis down per instance, never a 5xx; cluster counting resumes', async () => {
      const { proxy, instances, redis } = cluster;
      const before = await Promise.all(instances.map((i) => failuresServed(i.url)));
      const spread = await failFrom(proxy, '127.0.0.7', 4 * failureLimit);
      const after = await Promise.all(instances.map((i) => failuresServed(i.url)));
      // Round robin: every instance answered some of them.
      for (const [i, count] of after.entries()) {
        expect(count - (before[i] ?? 0)).toBeGreaterThan(0);
      }
      expect(Object.keys(spread).sort()).toEqual(['401', '429']);
      expect(spread[401]).toBeGreaterThanOrEqual(failureLimit);
      expect(spread[401]).toBeLessThanOrEqual(Math.floor(failureLimit * 1.1));
      for (const instance of instances) {
        expect(await metric(instance.url, 'orgtoken_rate_limit_backend{backend="redis"}')).toBe(1);
      }

      await redis.stop();
      const local = await failFrom(proxy, '127.0.0.8', 4 * failureLimit);
      // Answered, each instance counting alone: more than the cluster limit, at most the
      // limit on each of the three.
      expect(Object.keys(local).every((status) => status === '401' || status === '429')).toBe(true);
      expect(local[401]).toBeGreaterThan(Math.floor(failureLimit * 1.1));
      expect(local[401]).toBeLessThanOrEqual(instances.length * failureLimit);
      for (const instance of instances) {
        expect(await metric(instance.url, 'orgtoken_rate_limit_backend{backend="local"}')).toBe(1);
        expect(await metric(instance.url, 'orgtoken_rate_limit_backend{backend="redis"}')).toBe(0);
      }

      await redis.start();
      for (const instance of instances) {
        await waitFor(
          `${instance.url} back on Redis`,
          async () =>
            (await metric(instance.url, 'orgtoken_rate_limit_backend{backend="redis"}')) === 1,
          15_000,
        );
      }
      const resumed = await failFrom(proxy, '127.0.0.9', 4 * failureLimit);
      expect(resumed[401]).toBeGreaterThanOrEqual(failureLimit);
      expect(resumed[401]).toBeLessThanOrEqual(Math.floor(failureLimit * 1.1));
      console.log(
        `failed tokens answered 401 of ${4 * failureLimit} (limit ${failureLimit}): cluster ${spread[401]}, Redis down ${local[401]}, Redis back ${resumed[401]}`,
      );
    }, 60_000);

    it('refuses a token revoked through one instance on all three within 1 s, under load', async () => {
      const { session, instances } = cluster;
      const { id, token } = await createToken(session, 'to-revoke');
      const read = (url: string) =>
        send(`${url}/api/v1/orgs/acme/projects/backend`, { headers: bearer(token) });
      // Each instance has verified (and cached) it.
      for (const instance of instances) expect((await read(instance.url)).status).toBe(200);
      const revokedAt = Date.now();
      expect((await session.call('DELETE', `/api/v1/orgs/acme/tokens/${id}`)).status).toBe(200);
      const times = await Promise.all(
        instances.map(async (instance) => {
          for (;;) {
            const answer = await read(instance.url);
            if (answer.status === 401) return Date.now() - revokedAt;
            expect(answer.status).toBe(200);
            if (Date.now() - revokedAt > 5000) return Number.POSITIVE_INFINITY;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }),
      );
      console.log(`revocation refused on the three instances after ${times.join(', ')} ms`);
      for (const ms of times) expect(ms).toBeLessThan(1000);
    });

    it('restarts the three instances one after another under load without a failed request', async () => {
      const { instances, ports, env, proxy } = cluster;
      const atStart = load.report();
      const started = Date.now();
      for (const [i, name] of names.entries()) {
        const instance = instances[i] as ServerProcess;
        // HAProxy must take the instance out while it still serves (the drain delay).
        let seenDown = false;
        let exited = false;
        const watching = (async () => {
          while (!seenDown && !exited) {
            const states = await proxy.states().catch(() => ({}) as Record<string, string>);
            if (states[name]?.startsWith('DOWN')) seenDown = true;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })();
        const stopping = Date.now();
        expect(await instance.stop('SIGTERM', 30_000)).toBe(0);
        const stoppedIn = Date.now() - stopping;
        exited = true;
        await watching;
        expect(seenDown).toBe(true);
        instances[i] = await startServerProcess(env, { port: ports[i] });
        await proxy.waitUntilUp(names);
        console.log(`${name}: exited 0 ${stoppedIn} ms after SIGTERM, back in rotation`);
      }
      // A moment on the restarted instances, then the tally.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const during = Date.now() - started;
      const report: LoadReport = await load.stop();
      const served = report.total - atStart.total;
      console.log(
        `rolling restart: ${(during / 1000).toFixed(1)} s, ${served} requests through the proxy meanwhile (${report.total} in the whole test): ${JSON.stringify(report.statuses)}, ${report.errors} without an answer`,
      );
      expect(report.reasons).toEqual([]);
      expect(report.errors).toBe(0);
      expect(Object.keys(report.statuses).every((status) => status.startsWith('2'))).toBe(true);
      expect(served).toBeGreaterThan(100);
    }, 120_000);
  },
);
