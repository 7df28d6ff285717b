import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, password, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';

describeEachEngine('sessions', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(() => t.close());

  describe('happy path', () => {
    it('signs in with email and password and sets an HttpOnly, SameSite=Lax cookie', async () => {
      const user = await t.createUser();
      const response = await t.request(null, {
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: user.email.toUpperCase(), password },
      });
      expect(response.statusCode).toBe(200);
      const cookie = response.cookies.find((c) => c.name === 'orgtoken_session');
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe('Lax');
      expect(cookie?.path).toBe('/');
      expect(cookie?.secure).toBeFalsy();
      const body = response.json();
      expect(body.user).toMatchObject({ id: user.id, email: user.email, active: true });
      expect(body.user).not.toHaveProperty('passwordHash');
      expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('ignores a forwarded protocol without TRUST_PROXY: plain HTTP, no Secure flag', async () => {
      const user = await t.createUser();
      const response = await t.request(null, {
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: user.email, password },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(response.cookies[0]?.secure).toBeFalsy();
    });

    it('marks the cookie Secure when a trusted proxy says the request came over HTTPS', async () => {
      const proxied = await createTestApp(engine, { trustProxy: ['127.0.0.1'] });
      try {
        const user = await proxied.createUser();
        const signIn = (remoteAddress: string) =>
          proxied.app.inject({
            method: 'POST',
            url: '/api/v1/session',
            payload: { email: user.email, password },
            headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
            remoteAddress,
          });
        expect((await signIn('127.0.0.1')).cookies[0]?.secure).toBe(true);
        // The same headers from an untrusted peer change nothing.
        expect((await signIn('198.51.100.1')).cookies[0]?.secure).toBeFalsy();
      } finally {
        await proxied.close();
      }
    });

    it('stores only a digest of the session cookie', async () => {
      const session = await t.newSession();
      const rows = await t.store.db.selectFrom('sessions').select('id').execute();
      expect(rows.map((r) => r.id)).not.toContain(session.cookie);
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
    });

    it('GET /session returns the user and the CSRF token', async () => {
      const session = await t.newSession();
      const response = await t.request(session, { method: 'GET', url: '/api/v1/session' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ user: session.user, csrfToken: session.csrf });
    });

    it('GET /me describes the caller as a user', async () => {
      const session = await t.newSession();
      const response = await t.request(session, { method: 'GET', url: '/api/v1/me' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        type: 'user',
        id: session.user.id,
        email: session.user.email,
        name: session.user.name,
        instanceAdmin: false,
        authenticatedBy: 'session',
        tokenExpiresAt: null,
      });
    });

    it('signs out: the session stops working and its row is gone', async () => {
      const session = await t.newSession();
      const out = await t.request(session, { method: 'DELETE', url: '/api/v1/session' });
      expect(out.statusCode).toBe(204);
      expect(out.cookies.find((c) => c.name === 'orgtoken_session')?.value).toBe('');
      const after = await t.request(session, { method: 'GET', url: '/api/v1/me' });
      expect(after.statusCode).toBe(401);
      const rows = await t.store.db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', session.user.id)
        .execute();
      expect(rows).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('refuses a wrong password with 401 INVALID_CREDENTIALS and sets no cookie', async () => {
      const user = await t.createUser();
      const response = await t.request(null, {
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: user.email, password: 'not the password at all' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(response.cookies).toHaveLength(0);
    });

    it('answers an unknown email exactly like a wrong password', async () => {
      const response = await t.request(null, {
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: 'nobody@example.test', password: 'not the password at all' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatchObject({
        code: 'INVALID_CREDENTIALS',
        message: 'The email or password is not correct.',
      });
    });

    it('spends one scrypt derivation with the same parameters for an unknown email as for a wrong password', async () => {
      const user = await t.createUser();
      const hasher = t.deps.passwords;
      const spent = async (email: string) => {
        const before = hasher.derivations;
        await t.request(null, {
          method: 'POST',
          url: '/api/v1/session',
          payload: { email, password: 'not the password at all' },
        });
        return hasher.derivations - before;
      };
      expect(await spent(user.email)).toBe(1);
      expect(await spent('nobody-at-all@example.test')).toBe(1);
      const stored = await t.store.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      const [, n, r, p] = stored.password_hash.split('$');
      expect({ N: Number(n), r: Number(r), p: Number(p) }).toEqual(hasher.params);
    });

    it('answers 401 AUTH_REQUIRED without a session, and with an unknown cookie', async () => {
      for (const session of [null, { cookie: 'forged', csrf: 'x', user: {} } as TestSession]) {
        const response = await t.request(session, { method: 'GET', url: '/api/v1/session' });
        expect(response.statusCode).toBe(401);
        expect(response.json().error.code).toBe('AUTH_REQUIRED');
      }
    });
  });

  describe('security', () => {
    it('refuses a cookie-authenticated state change without X-CSRF-Token (403 CSRF_FAILED)', async () => {
      const session = await t.newSession();
      const response = await t.request(session, {
        method: 'DELETE',
        url: '/api/v1/session',
        csrf: false,
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('CSRF_FAILED');
      // The session survived the refused request.
      const me = await t.request(session, { method: 'GET', url: '/api/v1/me' });
      expect(me.statusCode).toBe(200);
    });

    it("refuses another session's CSRF token", async () => {
      const a = await t.newSession();
      const b = await t.newSession();
      const response = await t.request(
        { ...a, csrf: b.csrf },
        { method: 'DELETE', url: '/api/v1/session' },
      );
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('CSRF_FAILED');
    });

    it('a deactivated user cannot sign in and loses every session at once', async () => {
      const admin = await t.newSession({ instanceAdmin: true });
      const user = await t.createUser();
      const first = await t.signIn(user.email);
      const second = await t.signIn(user.email);
      const off = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/users/${user.id}`,
        payload: { active: false },
      });
      expect(off.statusCode).toBe(200);
      expect(off.json().active).toBe(false);
      for (const session of [first, second]) {
        const me = await t.request(session, { method: 'GET', url: '/api/v1/me' });
        expect(me.statusCode).toBe(401);
      }
      const rows = await t.store.db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', user.id)
        .execute();
      expect(rows).toHaveLength(0);
      const again = await t.request(null, {
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: user.email, password },
      });
      expect(again.statusCode).toBe(401);
      expect(again.json().error.code).toBe('INVALID_CREDENTIALS');
    });

    it('ends a session after the idle timeout', async () => {
      const session = await t.newSession();
      t.clock.advance(2 * 3600 * 1000);
      const response = await t.request(session, { method: 'GET', url: '/api/v1/me' });
      expect(response.statusCode).toBe(401);
    });

    it('keeps a used session alive, but never past its absolute lifetime', async () => {
      const session = await t.newSession();
      // Use it every hour: never idle for two hours, yet seven days is the end.
      for (let hour = 1; hour < 7 * 24; hour += 1) {
        t.clock.advance(3600 * 1000);
        if (hour % 24 === 0) {
          const me = await t.request(session, { method: 'GET', url: '/api/v1/me' });
          expect(me.statusCode, `hour ${hour}`).toBe(200);
        } else {
          await t.request(session, { method: 'GET', url: '/api/v1/me' });
        }
      }
      t.clock.advance(3600 * 1000);
      const response = await t.request(session, { method: 'GET', url: '/api/v1/me' });
      expect(response.statusCode).toBe(401);
    });
  });
});
