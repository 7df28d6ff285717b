import { describe, expect, it } from 'vitest';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import {
  type ServerProcess,
  serverEnv,
  signedIn,
  startServerProcesses,
} from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };

/** Asks `probe` until `done` holds, for at most `limitMs` (well under the cache's 30 s). */
async function until(
  probe: () => Promise<Response>,
  done: (response: Response) => Promise<boolean>,
  limitMs = 5000,
): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await done(await probe())) return;
    if (Date.now() - start > limitMs) throw new Error(`not seen within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// An organization token's verification remembers the projects it read
// (src/runtime/verified-reads.ts); another instance's change must end that as it ends the
// verification, through the invalidation channel, not the 30 s age.
describe.skipIf(!testDatabaseUrl)('a project read remembered by another instance', () => {
  it('ends when the project is renamed or deleted on the first', async () => {
    const database = await freshDatabaseUrl('postgres');
    const [a, b] = (await startServerProcesses(2, serverEnv(database.url, admin))) as [
      ServerProcess,
      ServerProcess,
    ];
    try {
      const onA = await signedIn(a.url, admin);
      await onA.call('POST', '/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
      await onA.call('POST', '/api/v1/orgs/acme/projects', { key: 'web', name: 'Web' });
      const created = await onA.call('POST', '/api/v1/orgs/acme/tokens', {
        name: 'reader',
        permissions: ['project:browse'],
        projects: { mode: 'all' },
        expiresAt: null,
      });
      const secret = created.body.token as string;
      const readOnB = () =>
        fetch(`${b.url}/api/v1/orgs/acme/projects/web`, {
          headers: { authorization: `Bearer ${secret}` },
        });
      // Twice: the second answer comes from what B remembers.
      expect((await readOnB()).status).toBe(200);
      expect((await readOnB()).status).toBe(200);

      await onA.call('PATCH', '/api/v1/orgs/acme/projects/web', { name: 'Renamed' });
      await until(
        readOnB,
        async (response) => ((await response.json()) as { name?: string }).name === 'Renamed',
      );
      expect((await readOnB()).status).toBe(200);

      await onA.call('DELETE', '/api/v1/orgs/acme/projects/web');
      await until(readOnB, async (response) => response.status === 404);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await database.drop();
    }
  }, 60_000);
});
