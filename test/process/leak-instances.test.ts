import { describe, expect, it } from 'vitest';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import {
  type ServerProcess,
  serverEnv,
  signedIn,
  startServerProcesses,
} from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };

describe.skipIf(!testDatabaseUrl)(
  'a revocation by leak on two server processes, one PostgreSQL database',
  () => {
    it('refuses the leaked token on the second instance within a second of the report to the first', async () => {
      const database = await freshDatabaseUrl('postgres');
      const [a, b] = (await startServerProcesses(2, serverEnv(database.url, admin))) as [
        ServerProcess,
        ServerProcess,
      ];
      try {
        const onA = await signedIn(a.url, admin);
        await onA.call('POST', '/api/v1/orgs', { key: 'leaky', name: 'Leaky', plan: 'team' });
        const created = await onA.call('POST', '/api/v1/orgs/leaky/tokens', {
          name: 'ci',
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
          expiresAt: null,
        });
        const token = created.body.token as string;
        const me = () =>
          fetch(`${b.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
        // Cached on B by a first use.
        expect((await me()).status).toBe(200);
        const revoke = await fetch(`${a.url}/api/v1/credentials/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ credentials: [token] }),
        });
        expect(revoke.status).toBe(202);
        const deadline = Date.now() + 1000;
        let status = (await me()).status;
        while (status === 200 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          status = (await me()).status;
        }
        expect(status).toBe(401);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await database.drop();
      }
    }, 60_000);
  },
);
