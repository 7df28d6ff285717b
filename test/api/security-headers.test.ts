import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  const expectHardened = (headers: Record<string, unknown>, what: string) => {
    const csp = String(headers['content-security-policy']);
    expect(csp, what).toContain("default-src 'self'");
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).toContain("object-src 'none'");
    expect(csp, what).toMatch(/script-src 'self'(;|$)/);
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
  };

  it('hardens API answers, successes and errors alike, and forbids caching them', async () => {
    const session = await t.newSession();
    for (const response of [
      await t.request(session, { method: 'GET', url: '/api/v1/me' }),
      await t.app.inject({ url: '/api/v1/me' }),
      await t.app.inject({ url: '/api/v1/nothing' }),
      // Refused by the router itself, before any hook runs.
      await t.app.inject({ url: `/api/v1/orgs/${'a'.repeat(600)}` }),
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: '{',
        headers: { 'content-type': 'application/json' },
      }),
    ]) {
      expectHardened(response.headers, `${response.statusCode}`);
      expect(response.headers['cache-control']).toBe('no-store');
      // Every answer names its request, router-level refusals too.
      expect(response.headers['x-request-id'], `${response.statusCode}`).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('hardens the API docs page and the health endpoints', async () => {
    for (const url of ['/api/docs/', '/healthz', '/readyz', '/api/openapi.json']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expectHardened(response.headers, url);
    }
  });

  it('sets the session cookie HttpOnly, SameSite=Lax and scoped to the whole site', async () => {
    const user = await t.createUser();
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: user.email, password: 'correct horse battery staple' },
    });
    const header = String(response.headers['set-cookie']);
    expect(header).toMatch(/^orgtoken_session=[A-Za-z0-9_-]{43}; /);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Lax');
    expect(header).toContain('Path=/');
    expect(header).toMatch(/Max-Age=\d+/);
  });
});
