import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { serverEnv, signedIn, startServerProcess } from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };

it('logs no token secret, password, cookie, CSRF token or Authorization header in a full scenario', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-logs-'));
  const server = await startServerProcess({
    ...serverEnv(`sqlite:${join(dir, 'logs.db')}`, admin),
    LOG_LEVEL: 'trace',
  });
  const secrets: string[] = [admin.password];
  try {
    const client = await signedIn(server.url, admin);
    const session = client as unknown as { cookie: string; csrf: string };
    secrets.push(session.cookie.split('=')[1] ?? '', session.csrf);
    await client.call('POST', '/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
    const created = await client.call('POST', '/api/v1/orgs/acme/tokens', {
      name: 'ci',
      permissions: ['project:browse'],
      projects: { mode: 'all' },
      expiresAt: null,
    });
    const token = created.body.token as string;
    const rotated = await client.call(
      'POST',
      `/api/v1/orgs/acme/tokens/${created.body.id}/rotate`,
      {
        gracePeriodSeconds: 60,
      },
    );
    const fresh = rotated.body.token as string;
    const pat = (
      await client.call('POST', '/api/v1/user/tokens', { name: 'mine', expiresAt: null })
    ).body.token as string;
    secrets.push(token, fresh, pat);
    const basic = (login: string, secret = '') =>
      `Basic ${Buffer.from(`${login}:${secret}`).toString('base64')}`;
    const call = (path: string, authorization: string, method = 'GET') =>
      fetch(`${server.url}${path}`, { method, headers: { authorization } });
    await call('/api/v1/me', `Bearer ${token}`);
    await call('/api/v1/orgs/acme/projects', basic(fresh));
    await call('/api/v1/me', `Bearer ${pat}`);
    await call('/api/v1/me', `Bearer ${token.slice(0, -1)}x`);
    await call('/api/authentication/validate', basic(pat));
    const generated = await call(
      '/api/user_tokens/generate?name=scripted',
      basic(admin.email, admin.password),
      'POST',
    );
    secrets.push(((await generated.json()) as { token: string }).token);
    secrets.push(
      basic(admin.email, admin.password).split(' ')[1] ?? '',
      basic(fresh).split(' ')[1] ?? '',
    );
    await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: 'a wrong password guess' }),
    });
    secrets.push('a wrong password guess');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const output = server.output();
  // The scenario was logged (so the absence below means something)...
  expect(output).toContain('/api/v1/orgs/acme/tokens');
  expect(output.split('\n').length).toBeGreaterThan(20);
  // ...and none of its secrets were.
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    expect(output.includes(secret), `a secret starting ${secret.slice(0, 6)}`).toBe(false);
  }
  expect(output).not.toMatch(/\bot[oue]_[0-9A-Za-z]{36}\b/);
  expect(output).not.toMatch(/"authorization":\s*"(Bearer|Basic) /i);
  expect(output).not.toMatch(/orgtoken_session=/);
}, 60_000);
