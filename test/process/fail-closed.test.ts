import { describe, expect, it } from 'vitest';
import { onMaintenanceDatabase, scratchDatabase, testDatabaseUrl } from '../helpers/engines.js';
import { serverEnv, signedIn, startServerProcess } from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };

// The database under test is a database of its own: cutting off the shared test database
// would break the suites running beside this one.
const asSuperuser = (statement: string) => onMaintenanceDatabase(testDatabaseUrl ?? '', statement);

describe.skipIf(!testDatabaseUrl)('PostgreSQL going away', () => {
  it('answers 503 for an uncached token and fails /readyz, then recovers without a restart', async () => {
    const database = await scratchDatabase(testDatabaseUrl ?? '', 'orgtoken_cut');
    const dbName = database.name;
    const server = await startServerProcess(serverEnv(database.url, admin));
    try {
      const client = await signedIn(server.url, admin);
      await client.call('POST', '/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
      const token = (
        await client.call('POST', '/api/v1/orgs/acme/tokens', {
          name: 'ci',
          permissions: ['project:browse'],
          projects: { mode: 'all' },
          expiresAt: null,
        })
      ).body.token as string;
      const me = () =>
        fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });

      // Cut the database off: refuse new connections and end the server's existing ones.
      await asSuperuser(`alter database ${dbName} with allow_connections false`);
      try {
        await asSuperuser(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${dbName}' and pid <> pg_backend_pid()`,
        );
        // The token was never verified on this server, so it is not in the cache.
        const denied = await me();
        expect(denied.status).toBe(503);
        expect(((await denied.json()) as { error: { code: string } }).error.code).toBe(
          'STORE_UNAVAILABLE',
        );
        const ready = await fetch(`${server.url}/readyz`);
        expect(ready.status).toBe(503);
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      } finally {
        await asSuperuser(`alter database ${dbName} with allow_connections true`);
      }

      // The database is back: service resumes, same process.
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await me()).status;
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
      await database.drop();
    }
  }, 60_000);
});
