import { describe, expect, it } from 'vitest';
import { freshDatabaseUrl, testDatabaseUrl } from '../helpers/engines.js';
import {
  type ServerProcess,
  SessionClient,
  serverEnv,
  signedIn,
  startServerProcesses,
} from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };

/** Calls `request` until `refused` holds; resolves to the milliseconds it took. */
async function msUntil(
  request: () => Promise<Response>,
  refused: (response: Response) => boolean,
  limitMs = 5000,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (refused(await request())) return Date.now() - start;
    if (Date.now() - start > limitMs) throw new Error(`not refused within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!testDatabaseUrl)('two instances on one PostgreSQL database', () => {
  it('see every change that decides validity, made on the other, within 1 s', async () => {
    const database = await freshDatabaseUrl('postgres');
    const env = serverEnv(database.url, admin);
    const [a, b] = (await startServerProcesses(2, env)) as [ServerProcess, ServerProcess];
    try {
      const onA = await signedIn(a.url, admin);
      await onA.call('POST', '/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
      await onA.call('POST', '/api/v1/orgs/acme/projects', { key: 'web', name: 'Web' });
      const orgToken = async (name: string) =>
        (
          await onA.call('POST', '/api/v1/orgs/acme/tokens', {
            name,
            permissions: ['project:browse'],
            projects: { mode: 'all' },
            expiresAt: null,
          })
        ).body as { id: string; token: string };
      const person = async (email: string) => {
        const user = (
          await onA.call('POST', '/api/v1/users', { email, name: email, password: admin.password })
        ).body as { id: string };
        await onA.call('PUT', `/api/v1/orgs/acme/members/${user.id}`, { role: 'member' });
        const session = new SessionClient(a.url);
        await session.signIn(email, admin.password);
        const pat = (
          await session.call('POST', '/api/v1/user/tokens', { name: 'pat', expiresAt: null })
        ).body as { token: string };
        return { id: user.id, pat: pat.token };
      };
      const onB = (secret: string, path = '/api/v1/orgs/acme/projects') =>
        fetch(`${b.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });

      const revoked = await orgToken('revoked');
      const rotated = await orgToken('rotated');
      const edited = await orgToken('edited');
      const downgraded = await orgToken('downgraded');
      const removed = await person('removed@example.test');
      const deactivated = await person('deactivated@example.test');
      // Warm B's cache with every secret.
      for (const secret of [
        revoked.token,
        rotated.token,
        edited.token,
        downgraded.token,
        removed.pat,
        deactivated.pat,
      ]) {
        expect((await onB(secret)).status).toBe(200);
      }

      const changes: Array<[string, () => Promise<unknown>, () => Promise<Response>, number]> = [
        [
          'revoke',
          () => onA.call('DELETE', `/api/v1/orgs/acme/tokens/${revoked.id}`),
          () => onB(revoked.token),
          401,
        ],
        [
          'rotate',
          () => onA.call('POST', `/api/v1/orgs/acme/tokens/${rotated.id}/rotate`, {}),
          () => onB(rotated.token),
          401,
        ],
        [
          'edit',
          () =>
            onA.call('PATCH', `/api/v1/orgs/acme/tokens/${edited.id}`, {
              permissions: ['analysis:execute'],
            }),
          () => onB(edited.token),
          403,
        ],
        [
          'member removal',
          () => onA.call('DELETE', `/api/v1/orgs/acme/members/${removed.id}`),
          () => onB(removed.pat),
          404,
        ],
        [
          'user deactivation',
          () => onA.call('PATCH', `/api/v1/users/${deactivated.id}`, { active: false }),
          () => onB(deactivated.pat, '/api/v1/me'),
          401,
        ],
        [
          'plan change',
          () => onA.call('PATCH', '/api/v1/orgs/acme', { plan: 'free' }),
          () => onB(downgraded.token),
          403,
        ],
      ];
      const seen: Record<string, number> = {};
      for (const [name, change, probe, status] of changes) {
        await change();
        seen[name] = await msUntil(probe, (response) => response.status === status);
      }
      console.log('seen by the other instance after (ms):', seen);
      for (const [name, ms] of Object.entries(seen)) expect(ms, name).toBeLessThan(1000);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await database.drop();
    }
  }, 60_000);
});
