import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachEngine, freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import {
  type ServerProcess,
  SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
  startServerProcesses,
} from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };

describeEachEngine('a real server process', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data and sessions across a restart', async () => {
    const database = await freshDatabaseUrl(engine, join(dir, 'restart.db'));
    try {
      const first = await startServerProcess(serverEnv(database.url, admin));
      const client = await signedIn(first.url, admin);
      expect(
        (await client.call('POST', '/api/v1/orgs', { key: 'kept', name: 'Kept', plan: 'team' }))
          .status,
      ).toBe(201);
      expect(
        (await client.call('POST', '/api/v1/orgs/kept/projects', { key: 'api', name: 'API' }))
          .status,
      ).toBe(201);
      expect(await first.stop('SIGTERM')).toBe(0);

      const second = await startServerProcess(serverEnv(database.url, admin));
      try {
        const again = client.on(second.url);
        const projects = await again.call('GET', '/api/v1/orgs/kept/projects');
        expect(projects.status).toBe(200);
        expect(projects.body.items).toEqual([expect.objectContaining({ key: 'api', name: 'API' })]);
        // The admin from the environment was created once, not again at the second start.
        const users = await again.call('GET', '/api/v1/users');
        expect(users.body.items).toHaveLength(1);
      } finally {
        await second.stop();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('a real server process with ORGTOKEN_TOKEN_CACHE_SIZE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-cache-size-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Cache look-ups by result, from the server's own metrics. */
  async function cacheLookups(url: string): Promise<{ hit: number; miss: number }> {
    const text = await (await fetch(`${url}/metrics`)).text();
    const count = (result: string) =>
      Number(
        new RegExp(`^orgtoken_token_cache_lookups_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1] ?? 0,
      );
    return { hit: count('hit'), miss: count('miss') };
  }

  it('0 keeps no token: every use of a token reads the store', async () => {
    const server = await startServerProcess({
      ...serverEnv(`sqlite:${join(dir, 'cache.db')}`, admin),
      ORGTOKEN_TOKEN_CACHE_SIZE: '0',
    });
    try {
      const client = await signedIn(server.url, admin);
      await client.call('POST', '/api/v1/orgs', { key: 'nocache', name: 'No cache', plan: 'team' });
      const created = await client.call('POST', '/api/v1/orgs/nocache/tokens', {
        name: 'ci',
        permissions: ['analysis:execute'],
        projects: { mode: 'all' },
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      for (let use = 0; use < 3; use += 1) {
        const me = await fetch(`${server.url}/api/v1/me`, {
          headers: { authorization: `Bearer ${created.body.token}` },
        });
        expect(me.status).toBe(200);
      }
      // With the default size, the second and third uses would be hits.
      expect(await cacheLookups(server.url)).toEqual({ hit: 0, miss: 3 });
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(!testDatabaseUrl)('two server processes on one PostgreSQL database', () => {
  it('see the same data and sessions, and a removal on one holds on the other at once', async () => {
    const database = await freshDatabaseUrl('postgres');
    const env = serverEnv(database.url, admin);
    // Both start at once: migrations and the first admin must not collide.
    const [a, b] = (await startServerProcesses(2, env)) as [ServerProcess, ServerProcess];
    try {
      const onA = await signedIn(a.url, admin);
      const onB = onA.on(b.url);

      expect(
        (await onA.call('POST', '/api/v1/orgs', { key: 'shared', name: 'Shared', plan: 'team' }))
          .status,
      ).toBe(201);
      expect((await onB.call('GET', '/api/v1/orgs/shared')).body).toMatchObject({ key: 'shared' });
      expect(
        (await onB.call('POST', '/api/v1/orgs/shared/projects', { key: 'web', name: 'Web' }))
          .status,
      ).toBe(201);
      expect((await onA.call('GET', '/api/v1/orgs/shared/projects/web')).status).toBe(200);

      const users = await onA.call('GET', '/api/v1/users');
      expect(users.body.items).toHaveLength(1);

      const created = await onA.call('POST', '/api/v1/users', {
        email: 'member@example.test',
        name: 'Member',
        password: 'member password 123',
      });
      const memberId = created.body.id as string;
      await onA.call('PUT', `/api/v1/orgs/shared/members/${memberId}`, { role: 'member' });
      const member = new SessionClient(b.url);
      await member.signIn('member@example.test', 'member password 123');
      expect((await member.call('GET', '/api/v1/orgs/shared')).status).toBe(200);
      expect((await onA.call('DELETE', `/api/v1/orgs/shared/members/${memberId}`)).status).toBe(
        204,
      );
      expect((await member.call('GET', '/api/v1/orgs/shared')).status).toBe(404);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await database.drop();
    }
  });
});
