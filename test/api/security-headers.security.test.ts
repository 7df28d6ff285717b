import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataContentSecurityPolicy } from '../../src/http/security-headers.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  // Pages (the web UI, its files, the API docs): helmet's set.
  const expectPageHeaders = (headers: Record<string, unknown>, what: string) => {
    const csp = String(headers['content-security-policy']);
    expect(csp, what).toContain("default-src 'self'");
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).toContain("object-src 'none'");
    expect(csp, what).toMatch(/script-src 'self'(;|$)/);
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy'], what).toBe('same-origin');
  };
  // Data (JSON, text, metrics): the API set, under which nothing loads and nothing is kept.
  const expectDataHeaders = (headers: Record<string, unknown>, what: string) => {
    expect(headers['content-security-policy'], what).toBe(dataContentSecurityPolicy);
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['cross-origin-resource-policy'], what).toBe('same-origin');
    expect(headers['cache-control'], what).toBe('no-store');
    // Every answer names its request, router-level refusals too.
    expect(headers['x-request-id'], what).toMatch(/^[0-9a-f-]{36}$/);
  };

  it('hardens API answers, successes and errors alike, and forbids caching them', async () => {
    const session = await t.newSession();
    const encoded = await t.request(session, { method: 'GET', url: '/%61pi/v1/me' });
    expect(encoded.statusCode).toBe(200);
    for (const response of [
      await t.request(session, { method: 'GET', url: '/api/v1/me' }),
      await t.app.inject({ url: '/api/v1/me' }),
      await t.app.inject({ url: '/api/v1/nothing' }),
      await t.app.inject({ url: '/api' }),
      await t.app.inject({ url: '/api/docsx' }),
      await t.app.inject({ url: '/nothing' }),
      // The router decodes this to /api/v1/me (asserted below): the headers must not go by
      // the raw text of the URL.
      encoded,
      // Refused by the router itself, before any hook runs.
      await t.app.inject({ url: `/api/v1/orgs/${'a'.repeat(600)}` }),
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: '{',
        headers: { 'content-type': 'application/json' },
      }),
    ]) {
      expectDataHeaders(response.headers, `${response.statusCode} ${response.raw.req.url}`);
    }
  });

  it('gives the health endpoints, the metrics and the OpenAPI document the data set', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/api/openapi.json', '/healthz?x=1']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expectDataHeaders(response.headers, url);
    }
  });

  it('gives the API docs pages the page set', async () => {
    for (const url of ['/api/docs', '/api/docs/', '/api/docs/static/index.html']) {
      const response = await t.app.inject({ url });
      expect(response.statusCode, url).not.toBe(500);
      expectPageHeaders(response.headers, url);
      expect(response.headers['x-request-id'], url).toMatch(/^[0-9a-f-]{36}$/);
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
