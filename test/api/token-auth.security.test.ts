import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/domain/token-format.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken, createPersonalToken, daysFromNow, withToken } from '../helpers/tokens.js';

describeEachEngine('token authentication: denials', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let member: TestSession;
  let org: { key: string; id: string };
  let other: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    member = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'enterprise' });
    other = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    await t.addMember(admin, org.key, member.user.id, 'member');
    for (const key of ['backend-api', 'backend-web', 'frontend', 'secret-project']) {
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key, name: key },
      });
    }
  });
  afterAll(() => t.close());

  const me = (secret: string, extra: { remoteAddress?: string; basic?: boolean } = {}) =>
    withToken(t, secret, { url: '/api/v1/me', ...extra });

  function expectDenied(
    response: { statusCode: number; json: () => { error: { code: string } } },
    status: number,
    code: string,
  ) {
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
  }

  describe('syntax, checksum and look-up', () => {
    it('refuses a token with a wrong checksum without any store query', async () => {
      const { token } = await createOrgToken(t, admin, org.key);
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      const tampered = token.slice(0, -1) + last;
      const before = t.queries.count;
      const response = await me(tampered);
      expect(t.queries.count).toBe(before);
      expectDenied(response, 401, 'TOKEN_INVALID');
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="orgtoken", error="invalid_token"/,
      );
    });

    it('refuses malformed Authorization headers with TOKEN_INVALID', async () => {
      const { token } = await createOrgToken(t, admin, org.key);
      const headers = [
        'Bearer',
        'Bearer ',
        `Token ${token}`,
        `Basic ${Buffer.from(`${token}:password`).toString('base64')}`,
        `Basic ${Buffer.from(token).toString('base64')}`,
        'Basic %%%',
        `Bearer ${token} extra`,
        `bearer  ${token.toLowerCase()}`,
        'Bearer oto_short',
      ];
      for (const authorization of headers) {
        const response = await t.request(null, {
          method: 'GET',
          url: '/api/v1/me',
          headers: { authorization },
        });
        expect(response.statusCode, authorization.slice(0, 30)).toBe(401);
        expect(response.json().error.code).toBe('TOKEN_INVALID');
      }
    });

    it('refuses a well-formed token that was never issued, of every prefix', async () => {
      for (const kind of ['organization', 'personal', 'ephemeral'] as const) {
        expectDenied(await me(generateToken(kind)), 401, 'TOKEN_INVALID');
      }
    });

    it('fails closed with 503 STORE_UNAVAILABLE when the store is gone, never a success', async () => {
      const broken = await createTestApp(engine);
      try {
        const session = await broken.newSession({ instanceAdmin: true });
        const owner = await broken.newSession();
        const team = await broken.createOrg(session, { orgAdmin: owner });
        const { token } = await createOrgToken(broken, owner, team.key);
        await broken.store.close();
        broken.app.runtime.cache.clear();
        const response = await withToken(broken, token, { url: '/api/v1/me' });
        expectDenied(response, 503, 'STORE_UNAVAILABLE');
        expect(response.headers['retry-after']).toBe('5');
      } finally {
        await broken.close();
      }
    });
  });

  describe('organization token boundaries', () => {
    it("answers 404 for another organization's routes, as for an organization that does not exist", async () => {
      const { token } = await createOrgToken(t, admin, org.key);
      for (const url of [
        `/api/v1/orgs/${other.key}`,
        `/api/v1/orgs/${other.key}/projects`,
        '/api/v1/orgs/no-such-org/projects',
      ]) {
        expectDenied(await withToken(t, token, { url }), 404, 'NOT_FOUND');
      }
      const list = await withToken(t, token, { url: '/api/v1/orgs' });
      expect(list.json().items.map((o: { key: string }) => o.key)).toEqual([org.key]);
    });

    it('needs project:browse to read projects (PERMISSION_DENIED)', async () => {
      const { token } = await createOrgToken(t, admin, org.key, {
        permissions: ['analysis:execute'],
      });
      expectDenied(
        await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects` }),
        403,
        'PERMISSION_DENIED',
      );
      expectDenied(
        await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects/frontend` }),
        403,
        'PERMISSION_DENIED',
      );
    });

    it('refuses a project outside the scope (PROJECT_OUT_OF_SCOPE) and lists only the scope', async () => {
      const { token } = await createOrgToken(t, admin, org.key, {
        permissions: ['project:browse'],
        projects: { mode: 'selected', keys: ['frontend'], patterns: ['backend-*'] },
      });
      expectDenied(
        await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects/secret-project` }),
        403,
        'PROJECT_OUT_OF_SCOPE',
      );
      for (const key of ['frontend', 'backend-api']) {
        expect(
          (await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects/${key}` }))
            .statusCode,
        ).toBe(200);
      }
      const seen: string[] = [];
      let url = `/api/v1/orgs/${org.key}/projects?limit=1`;
      for (let i = 0; i < 10; i += 1) {
        const page = (await withToken(t, token, { url })).json();
        seen.push(...page.items.map((p: { key: string }) => p.key));
        if (!page.nextCursor) break;
        url = `/api/v1/orgs/${org.key}/projects?limit=1&cursor=${page.nextCursor}`;
      }
      expect(seen).toEqual(['backend-api', 'backend-web', 'frontend']);
    });

    it('never administers: members, audit, projects, tokens and policy are FORBIDDEN', async () => {
      const { token, id } = await createOrgToken(t, admin, org.key);
      const attempts = [
        { method: 'GET', url: `/api/v1/orgs/${org.key}/members` },
        { method: 'GET', url: `/api/v1/orgs/${org.key}/audit-events` },
        { method: 'PATCH', url: `/api/v1/orgs/${org.key}`, payload: { name: 'Mine' } },
        {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/projects`,
          payload: { key: 'made', name: 'x' },
        },
        { method: 'DELETE', url: `/api/v1/orgs/${org.key}/projects/frontend` },
        { method: 'GET', url: `/api/v1/orgs/${org.key}/tokens` },
        { method: 'POST', url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`, payload: {} },
        { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${id}` },
        { method: 'GET', url: `/api/v1/orgs/${org.key}/token-policy` },
        { method: 'GET', url: '/api/v1/user/tokens' },
        { method: 'GET', url: '/api/v1/users' },
        { method: 'GET', url: '/api/v1/session' },
      ] as const;
      for (const attempt of attempts) {
        const response = await withToken(t, token, attempt);
        expect(response.statusCode, `${attempt.method} ${attempt.url}`).toBe(403);
        expect(response.json().error.code).toBe('FORBIDDEN');
      }
      const row = await t.store.db
        .selectFrom('tokens')
        .select(['revoked_at', 'rotated_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ revoked_at: null, rotated_at: null });
    });

    it('needs no CSRF header, and a token wins over a cookie sent alongside', async () => {
      const { token } = await createOrgToken(t, admin, org.key, {
        permissions: ['project:browse'],
      });
      const response = await t.request(null, {
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${token}`, cookie: `orgtoken_session=${admin.cookie}` },
      });
      expect(response.json().type).toBe('organization_token');
      // A state change with a personal access token goes through without any CSRF header.
      const pat = await createPersonalToken(t, admin);
      const made = await withToken(t, pat.token, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key: 'made-by-pat', name: 'Made by PAT' },
      });
      expect(made.statusCode).toBe(201);
      // The cookie alongside a token is not used: the token decides, and it may not do this.
      const withCookie = await t.request(null, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}`,
        payload: { name: 'Renamed by cookie?' },
        headers: {
          authorization: `Bearer ${token}`,
          cookie: `orgtoken_session=${admin.cookie}`,
          'x-csrf-token': admin.csrf,
        },
      });
      expect(withCookie.statusCode).toBe(403);
    });

    it('uses the client address from a trusted proxy for IP allowlists, and only from it', async () => {
      const proxied = await createTestApp(engine, { trustProxy: ['127.0.0.1'] });
      try {
        const boss = await proxied.newSession({ instanceAdmin: true });
        const owner = await proxied.newSession();
        const team = await proxied.createOrg(boss, { orgAdmin: owner, plan: 'enterprise' });
        const { token } = await createOrgToken(proxied, owner, team.key, {
          allowedCidrs: ['203.0.113.0/24'],
        });
        const call = (remoteAddress: string, forwardedFor: string) =>
          proxied.app.inject({
            url: '/api/v1/me',
            headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor },
            remoteAddress,
          });
        expect((await call('127.0.0.1', '203.0.113.7')).statusCode).toBe(200);
        expect((await call('127.0.0.1', '198.51.100.7')).statusCode).toBe(403);
        // An untrusted peer cannot claim an allowed address.
        expect((await call('198.51.100.1', '203.0.113.7')).statusCode).toBe(403);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('IP allowlists', () => {
    it('accepts listed IPv4 and IPv6 sources and refuses others with IP_NOT_ALLOWED', async () => {
      const { token } = await createOrgToken(t, admin, org.key, {
        allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'],
      });
      expect((await me(token, { remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
      expect((await me(token, { remoteAddress: '::ffff:10.9.9.9' })).statusCode).toBe(200);
      expect((await me(token, { remoteAddress: '2001:db8::1' })).statusCode).toBe(200);
      for (const address of ['192.168.1.1', '127.0.0.1', '2001:db9::1', '::1']) {
        expectDenied(await me(token, { remoteAddress: address }), 403, 'IP_NOT_ALLOWED');
      }
    });

    it('takes effect for the next request when the allowlist is edited', async () => {
      const { token, id } = await createOrgToken(t, admin, org.key);
      expect((await me(token, { remoteAddress: '192.0.2.1' })).statusCode).toBe(200);
      await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}/tokens/${id}`,
        payload: { allowedCidrs: ['198.51.100.0/24'] },
      });
      expectDenied(await me(token, { remoteAddress: '192.0.2.1' }), 403, 'IP_NOT_ALLOWED');
    });
  });

  describe('personal access tokens', () => {
    it("act as their user with exactly the user's rights", async () => {
      const { token } = await createPersonalToken(t, member);
      const who = await me(token);
      expect(who.json()).toMatchObject({
        type: 'user',
        id: member.user.id,
        authenticatedBy: 'personal_access_token',
      });
      expect(
        (await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects` })).statusCode,
      ).toBe(200);
      expectDenied(
        await withToken(t, token, {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/projects`,
          payload: { key: 'x', name: 'x' },
        }),
        403,
        'FORBIDDEN',
      );
      expectDenied(
        await withToken(t, token, { url: `/api/v1/orgs/${other.key}` }),
        404,
        'NOT_FOUND',
      );
    });

    it('never manage tokens of any kind', async () => {
      const { token, id } = await createPersonalToken(t, admin);
      const orgToken = await createOrgToken(t, admin, org.key);
      const attempts = [
        { method: 'GET', url: `/api/v1/orgs/${org.key}/tokens` },
        {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/tokens`,
          payload: {
            name: 'x',
            permissions: ['analysis:execute'],
            projects: { mode: 'all' },
            expiresAt: null,
          },
        },
        { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${orgToken.id}` },
        { method: 'GET', url: '/api/v1/user/tokens' },
        { method: 'POST', url: '/api/v1/user/tokens', payload: { name: 'y', expiresAt: null } },
        { method: 'DELETE', url: `/api/v1/user/tokens/${id}` },
        { method: 'GET', url: `/api/v1/orgs/${org.key}/token-policy` },
        {
          method: 'PUT',
          url: `/api/v1/orgs/${org.key}/token-policy`,
          payload: { maxLifetimeDays: 1, requireExpiry: true },
        },
      ] as const;
      for (const attempt of attempts) {
        const response = await withToken(t, token, attempt);
        expect(response.statusCode, `${attempt.method} ${attempt.url}`).toBe(403);
      }
    });

    it('stop at once when their user is deactivated, and work again on reactivation', async () => {
      const user = await t.newSession();
      const { token } = await createPersonalToken(t, user);
      expect((await me(token)).statusCode).toBe(200);
      await t.request(root, {
        method: 'PATCH',
        url: `/api/v1/users/${user.user.id}`,
        payload: { active: false },
      });
      expectDenied(await me(token), 401, 'TOKEN_INVALID');
      await t.request(root, {
        method: 'PATCH',
        url: `/api/v1/users/${user.user.id}`,
        payload: { active: true },
      });
      expect((await me(token)).statusCode).toBe(200);
    });

    it('are listed and revoked by their owner only', async () => {
      const mine = await createPersonalToken(t, member, { name: 'mine' });
      const theirs = await createPersonalToken(t, admin, { name: 'theirs' });
      const list = await t.request(member, { method: 'GET', url: '/api/v1/user/tokens' });
      expect(list.json().items.map((i: { name: string }) => i.name)).toContain('mine');
      expect(list.json().items.map((i: { name: string }) => i.name)).not.toContain('theirs');
      expect(
        (await t.request(member, { method: 'DELETE', url: `/api/v1/user/tokens/${theirs.id}` }))
          .statusCode,
      ).toBe(404);
      expect((await me(theirs.token)).statusCode).toBe(200);
      const revoked = await t.request(member, {
        method: 'DELETE',
        url: `/api/v1/user/tokens/${mine.id}`,
      });
      expect(revoked.json().status).toBe('revoked');
      expectDenied(await me(mine.token), 401, 'TOKEN_REVOKED');
    });

    it('refuse an expiry under a day, and work on a free organization', async () => {
      const bad = await t.request(member, {
        method: 'POST',
        url: '/api/v1/user/tokens',
        payload: { name: 'short', expiresAt: daysFromNow(t, 0.5) },
      });
      expect(bad.statusCode).toBe(400);
      const free = await t.createOrg(root, { plan: 'free' });
      await t.addMember(root, free.key, member.user.id, 'member');
      const { token } = await createPersonalToken(t, member);
      expect((await withToken(t, token, { url: `/api/v1/orgs/${free.key}` })).statusCode).toBe(200);
    });
  });

  describe('audit of denied tokens', () => {
    it('records token.auth_denied at most once per token and code per minute', async () => {
      const { token, id } = await createOrgToken(t, admin, org.key, {
        allowedCidrs: ['10.0.0.0/8'],
      });
      for (let i = 0; i < 5; i += 1) await me(token, { remoteAddress: '192.168.0.1' });
      const count = async () => {
        // The audit write is off the request path: give it a moment to land.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return (
          await t.store.db
            .selectFrom('audit_events')
            .select('details')
            .where('target_id', '=', id)
            .where('action', '=', 'token.auth_denied')
            .execute()
        ).length;
      };
      expect(await count()).toBe(1);
      t.clock.advance(60_000);
      await me(token, { remoteAddress: '192.168.0.1' });
      expect(await count()).toBe(2);
      const event = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/audit-events?action=token.auth_denied`,
      });
      expect(event.json().items[0]).toMatchObject({
        actor: { type: 'organization_token', id },
        ip: '192.168.0.1',
        details: { code: 'IP_NOT_ALLOWED' },
      });
    });
  });
});
