import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, password, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken, createPersonalToken } from '../helpers/tokens.js';

const basic = (login: string, secret = '') =>
  `Basic ${Buffer.from(`${login}:${secret}`).toString('base64')}`;

describeEachEngine('SonarQube-compatible endpoints', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
  });
  afterAll(() => t.close());

  const validate = (headers: Record<string, string | undefined>) =>
    t.request(null, { method: 'GET', url: '/api/authentication/validate', headers });

  describe('GET /api/authentication/validate', () => {
    it('says valid for a token sent as the Basic login, as scanners send it, and as Bearer', async () => {
      const { token } = await createOrgToken(t, admin, org.key);
      const pat = await createPersonalToken(t, admin);
      for (const secret of [token, pat.token]) {
        expect((await validate({ authorization: basic(secret) })).json()).toEqual({ valid: true });
        expect((await validate({ authorization: `Bearer ${secret}` })).json()).toEqual({
          valid: true,
        });
      }
    });

    it('says not valid, with 200, for revoked, unknown or missing credentials', async () => {
      const { token, id } = await createOrgToken(t, admin, org.key);
      await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${id}` });
      for (const headers of [
        { authorization: basic(token) },
        { authorization: basic('oto_notatoken') },
        { authorization: basic(token, 'password') },
        {},
      ]) {
        const response = await validate(headers);
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ valid: false });
      }
    });

    it('carries the expiration header for a token that expires within 7 days', async () => {
      const soon = await createOrgToken(t, admin, org.key, {
        expiresAt: new Date(t.clock.now().getTime() + 3 * 86_400_000).toISOString(),
      });
      const response = await validate({ authorization: basic(soon.token) });
      expect(response.headers['sonarqube-authentication-token-expiration']).toBe(
        soon.body.expiresAt,
      );
    });

    it('says valid for a signed-in session', async () => {
      expect((await validate({ cookie: `orgtoken_session=${admin.cookie}` })).json()).toEqual({
        valid: true,
      });
    });
  });

  it('GET /api/server/version answers the version as plain text', async () => {
    const response = await t.request(null, { method: 'GET', url: '/api/server/version' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/^\d+\.\d+\.\d+/);
  });

  describe('user tokens', () => {
    it('generates with email and password as Basic credentials and a form body, then searches and revokes', async () => {
      const user = await t.newSession();
      const generated = await t.request(null, {
        method: 'POST',
        url: '/api/user_tokens/generate',
        payload: 'name=ci-token&expirationDate=2099-12-31',
        headers: {
          authorization: basic(user.user.email, password),
          'content-type': 'application/x-www-form-urlencoded',
        },
      });
      expect(generated.statusCode, generated.body).toBe(200);
      const body = generated.json();
      expect(body).toMatchObject({
        login: user.user.email,
        name: 'ci-token',
        expirationDate: '2099-12-31T23:59:59+0000',
        type: 'USER_TOKEN',
      });
      expect(body.token).toMatch(/^otu_[0-9A-Za-z]{36}$/);
      expect((await validate({ authorization: basic(body.token) })).json()).toEqual({
        valid: true,
      });

      const search = await t.request(null, {
        method: 'GET',
        url: '/api/user_tokens/search',
        headers: { authorization: basic(user.user.email, password) },
      });
      expect(search.json()).toMatchObject({
        login: user.user.email,
        userTokens: [{ name: 'ci-token', isExpired: false, lastConnectionDate: null }],
      });
      expect(search.body).not.toContain(body.token);

      const revoke = await t.request(user, {
        method: 'POST',
        url: '/api/user_tokens/revoke?name=ci-token',
      });
      expect(revoke.statusCode).toBe(204);
      expect((await validate({ authorization: basic(body.token) })).json()).toEqual({
        valid: false,
      });
    });

    it('takes parameters from the query string with a session, and refuses a bad date', async () => {
      const generated = await t.request(admin, {
        method: 'POST',
        url: '/api/user_tokens/generate?name=from-query',
      });
      expect(generated.statusCode).toBe(200);
      expect(generated.json().expirationDate).toBeNull();
      const bad = await t.request(admin, {
        method: 'POST',
        url: '/api/user_tokens/generate?name=bad-date&expirationDate=31-12-2099',
      });
      expect(bad.statusCode).toBe(400);
      const missing = await t.request(admin, { method: 'POST', url: '/api/user_tokens/generate' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.field).toBe('/querystring/name');
    });

    it('refuses a wrong password (401), a personal access token (403) and a cookie without CSRF (403)', async () => {
      const wrong = await t.request(null, {
        method: 'POST',
        url: '/api/user_tokens/generate?name=x',
        headers: { authorization: basic(admin.user.email, 'not the password') },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
      const pat = await createPersonalToken(t, admin);
      for (const [method, url] of [
        ['POST', '/api/user_tokens/generate?name=y'],
        ['GET', '/api/user_tokens/search'],
        ['POST', `/api/user_tokens/revoke?name=${pat.body.name}`],
      ] as const) {
        const response = await t.request(null, {
          method,
          url,
          headers: { authorization: basic(pat.token) },
        });
        expect(response.statusCode, url).toBe(403);
      }
      const noCsrf = await t.request(admin, {
        method: 'POST',
        url: '/api/user_tokens/generate?name=z',
        csrf: false,
      });
      expect(noCsrf.statusCode).toBe(403);
      expect(noCsrf.json().error.code).toBe('CSRF_FAILED');
      const anonymous = await t.request(null, { method: 'GET', url: '/api/user_tokens/search' });
      expect(anonymous.statusCode).toBe(401);
    });

    it('answers 404 when revoking a name the caller has no live token for', async () => {
      const response = await t.request(admin, {
        method: 'POST',
        url: '/api/user_tokens/revoke?name=never-existed',
      });
      expect(response.statusCode).toBe(404);
    });
  });
});
