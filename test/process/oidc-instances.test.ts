import { describe, expect, it } from 'vitest';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import { startOidcIssuer } from '../helpers/oidc-issuer.js';
import {
  type ServerProcess,
  serverEnv,
  signedIn,
  startServerProcesses,
} from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };
const audience = 'https://orgtoken.example';

describe.skipIf(!testDatabaseUrl)(
  'ote_ tokens on two server processes, one PostgreSQL database',
  () => {
    it('refuses an ote_ token on the second instance within a second of its policy being deleted on the first', async () => {
      const database = await freshDatabaseUrl('postgres');
      const issuer = await startOidcIssuer({ audience });
      const env = {
        ...serverEnv(database.url, admin),
        ORGTOKEN_OIDC_INSECURE_ISSUERS: issuer.issuer,
      };
      const [a, b] = (await startServerProcesses(2, env)) as [ServerProcess, ServerProcess];
      try {
        const onA = await signedIn(a.url, admin);
        await onA.call('POST', '/api/v1/orgs', { key: 'ent', name: 'Ent', plan: 'enterprise' });
        const policy = await onA.call('POST', '/api/v1/orgs/ent/trust-policies', {
          name: 'ci',
          issuer: issuer.issuer,
          audience,
          claims: { repository_owner_id: '7' },
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
        });
        expect(policy.status, JSON.stringify(policy.body)).toBe(201);
        const jwt = await issuer.sign(issuer.githubClaims({ repository_owner_id: '7' }));
        const minted = await fetch(`${a.url}/api/v1/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ org: 'ent', token: jwt }),
        });
        expect(minted.status).toBe(201);
        const { token } = (await minted.json()) as { token: string };
        const me = () =>
          fetch(`${b.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
        // Cached on B by a first use.
        expect((await me()).status).toBe(200);
        expect(
          (await onA.call('DELETE', `/api/v1/orgs/ent/trust-policies/${policy.body.id}`)).status,
        ).toBe(204);
        const deadline = Date.now() + 1000;
        let status = (await me()).status;
        while (status === 200 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          status = (await me()).status;
        }
        expect(status).toBe(401);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await issuer.close();
        await database.drop();
      }
    }, 60_000);
  },
);
