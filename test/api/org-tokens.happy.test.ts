import { afterAll, beforeAll, expect, it } from 'vitest';
import { tokenDigest } from '../../src/domain/token-format.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { anySecret, createOrgToken, daysFromNow, withToken } from '../helpers/tokens.js';

describeEachEngine('organization tokens: lifecycle', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    for (const key of ['backend-api', 'backend-worker', 'frontend']) {
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key, name: key },
      });
    }
  });

  afterAll(async () => {
    // The secret appears only in the answers to create and rotate.
    const leaks = t.responses.filter(
      (r) =>
        !(r.method === 'POST' && /\/tokens$|\/rotate$/.test(r.url) && r.status < 300) &&
        anySecret.test(r.body),
    );
    expect(leaks.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    await t.close();
  });

  it('creates a token: the secret once, its digest and hint at rest, the creator recorded', async () => {
    const expiresAt = daysFromNow(t, 90);
    const response = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens`,
      payload: {
        name: 'ci-pipeline',
        description: 'GitHub Actions',
        permissions: ['analysis:execute'],
        projects: { mode: 'selected', keys: ['frontend'], patterns: ['backend-*'] },
        expiresAt,
      },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.token).toMatch(/^oto_[0-9A-Za-z]{36}$/);
    expect(body).toMatchObject({
      name: 'ci-pipeline',
      description: 'GitHub Actions',
      hint: body.token.slice(0, 8),
      status: 'active',
      permissions: ['analysis:execute'],
      projects: { mode: 'selected', keys: ['frontend'], patterns: ['backend-*'] },
      expiresAt,
      allowedCidrs: [],
      createdBy: { id: admin.user.id, name: admin.user.name },
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(body.dailyUsage).toEqual(Array(30).fill(0));
    const row = await t.store.db
      .selectFrom('tokens')
      .selectAll()
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.digest).toBe(tokenDigest(body.token));
    expect(JSON.stringify(row)).not.toContain(body.token.slice(4, 34));
  });

  it('authenticates with Bearer and with Basic (token as login, empty password)', async () => {
    const { token, id } = await createOrgToken(t, admin, org.key);
    for (const basic of [false, true]) {
      const me = await withToken(t, token, { url: '/api/v1/me', basic });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({
        type: 'organization_token',
        id,
        organization: { id: org.id, key: org.key },
        permissions: ['analysis:execute', 'project:browse'],
      });
    }
  });

  it('lists, filters by status, searches by name and pages', async () => {
    const listed = await t.createOrg(root, { orgAdmin: admin });
    const names = ['alpha-build', 'beta-build', 'gamma-deploy', 'delta-build'];
    const ids: string[] = [];
    for (const name of names) ids.push((await createOrgToken(t, admin, listed.key, { name })).id);
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${listed.key}/tokens/${ids[1]}`,
    });
    await createOrgToken(t, admin, listed.key, { name: 'soon', expiresAt: daysFromNow(t, 3) });

    const list = async (query: string) =>
      (await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${listed.key}/tokens${query}` }))
        .json()
        .items.map((i: { name: string }) => i.name);
    expect(await list('')).toEqual([
      'soon',
      'delta-build',
      'gamma-deploy',
      'beta-build',
      'alpha-build',
    ]);
    expect(await list('?status=revoked')).toEqual(['beta-build']);
    expect(await list('?status=expiring')).toEqual(['soon']);
    expect(await list('?status=active')).toEqual(['delta-build', 'gamma-deploy', 'alpha-build']);
    expect(await list('?q=BUILD')).toEqual(['delta-build', 'beta-build', 'alpha-build']);
    expect(await list('?q=%25')).toEqual([]);
    const first = (
      await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${listed.key}/tokens?limit=2` })
    ).json();
    const second = (
      await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${listed.key}/tokens?limit=2&cursor=${first.nextCursor}`,
      })
    ).json();
    expect(second.items.map((i: { name: string }) => i.name)).toEqual([
      'gamma-deploy',
      'beta-build',
    ]);
  });

  it('derives expired status from the clock, and a token is refused from the instant of expiresAt', async () => {
    const expiresAt = daysFromNow(t, 2);
    const { token, id } = await createOrgToken(t, admin, org.key, { expiresAt });
    const until = Date.parse(expiresAt) - t.clock.now().getTime();
    t.clock.advance(until - 1);
    const before = await withToken(t, token, { url: '/api/v1/me' });
    expect(before.statusCode).toBe(200);
    expect(before.headers['sonarqube-authentication-token-expiration']).toBe(expiresAt);
    t.clock.advance(1);
    const at = await withToken(t, token, { url: '/api/v1/me' });
    expect(at.statusCode).toBe(401);
    expect(at.json().error.code).toBe('TOKEN_EXPIRED');
    expect(at.headers['www-authenticate']).toContain('error="invalid_token"');
    const shown = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/tokens/${id}`,
    });
    expect(shown.json().status).toBe('expired');
  });

  it('sends the expiration header only within 7 days of expiry', async () => {
    const far = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 30) });
    const none = await createOrgToken(t, admin, org.key, { expiresAt: null });
    const near = await createOrgToken(t, admin, org.key, { expiresAt: daysFromNow(t, 6) });
    const header = 'sonarqube-authentication-token-expiration';
    expect((await withToken(t, far.token, { url: '/api/v1/me' })).headers[header]).toBeUndefined();
    expect((await withToken(t, none.token, { url: '/api/v1/me' })).headers[header]).toBeUndefined();
    expect((await withToken(t, near.token, { url: '/api/v1/me' })).headers[header]).toBe(
      near.body.expiresAt,
    );
  });

  it('edits name, description, permissions and projects, but never the expiry', async () => {
    const { token, id, body } = await createOrgToken(t, admin, org.key, {
      permissions: ['project:browse'],
    });
    expect(
      (await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects/frontend` })).statusCode,
    ).toBe(200);
    const edited = await t.request(admin, {
      method: 'PATCH',
      url: `/api/v1/orgs/${org.key}/tokens/${id}`,
      payload: {
        name: 'renamed',
        description: 'now scoped',
        projects: { mode: 'selected', keys: ['backend-api'] },
      },
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({
      name: 'renamed',
      description: 'now scoped',
      projects: { mode: 'selected', keys: ['backend-api'], patterns: [] },
      expiresAt: body.expiresAt,
    });
    // The edit holds from the very next request, cached or not.
    const out = await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects/frontend` });
    expect(out.statusCode).toBe(403);
    expect(out.json().error.code).toBe('PROJECT_OUT_OF_SCOPE');
    const expiry = await t.request(admin, {
      method: 'PATCH',
      url: `/api/v1/orgs/${org.key}/tokens/${id}`,
      payload: { expiresAt: daysFromNow(t, 365) },
    });
    expect(expiry.statusCode).toBe(400);
    expect(expiry.json().error.field).toBe('/body/expiresAt');
  });

  it('rotates with no grace: the old secret is refused at once, the new one works', async () => {
    const { token: old, id, body } = await createOrgToken(t, admin, org.key);
    const rotated = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
      payload: {},
    });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json();
    expect(fresh).toMatchObject({ id, name: body.name, projects: body.projects });
    expect(fresh.token).not.toBe(old);
    expect(fresh.rotatedAt).toEqual(expect.any(String));
    expect(fresh.hint).toBe(fresh.token.slice(0, 8));
    expect((await withToken(t, old, { url: '/api/v1/me' })).statusCode).toBe(401);
    expect((await withToken(t, fresh.token, { url: '/api/v1/me' })).statusCode).toBe(200);
  });

  it('rotates with a grace period: the old secret works until it ends, then never again', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key);
    const rotated = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
      payload: { gracePeriodSeconds: 600 },
    });
    const fresh = rotated.json().token as string;
    t.clock.advance(599_999);
    expect((await withToken(t, old, { url: '/api/v1/me' })).statusCode).toBe(200);
    expect((await withToken(t, fresh, { url: '/api/v1/me' })).statusCode).toBe(200);
    t.clock.advance(1);
    const after = await withToken(t, old, { url: '/api/v1/me' });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('TOKEN_ROTATED');
    expect((await withToken(t, fresh, { url: '/api/v1/me' })).statusCode).toBe(200);
  });

  it('revocation ends the current secret and a grace-period secret alike, and keeps the record', async () => {
    const { token: old, id } = await createOrgToken(t, admin, org.key);
    const fresh = (
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
        payload: { gracePeriodSeconds: 3600 },
      })
    ).json().token as string;
    expect((await withToken(t, old, { url: '/api/v1/me' })).statusCode).toBe(200);
    const revoked = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/tokens/${id}`,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({
      status: 'revoked',
      revokedBy: { id: admin.user.id, name: admin.user.name },
    });
    for (const secret of [old, fresh]) {
      const response = await withToken(t, secret, { url: '/api/v1/me' });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('TOKEN_REVOKED');
    }
    const again = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/tokens/${id}`,
    });
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt);
  });

  it('lets a revoked name be used again, and refuses a name taken by a live token', async () => {
    const first = await createOrgToken(t, admin, org.key, { name: 'reused-name' });
    const clash = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens`,
      payload: {
        name: 'reused-name',
        permissions: ['analysis:execute'],
        projects: { mode: 'all' },
        expiresAt: null,
      },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('CONFLICT');
    await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${first.id}` });
    await expect(createOrgToken(t, admin, org.key, { name: 'reused-name' })).resolves.toBeDefined();
  });

  it('records token.created, token.updated, token.rotated and token.revoked in the audit log', async () => {
    const { id } = await createOrgToken(t, admin, org.key, { name: 'audited' });
    await t.request(admin, {
      method: 'PATCH',
      url: `/api/v1/orgs/${org.key}/tokens/${id}`,
      payload: { permissions: ['project:browse'] },
    });
    await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/tokens/${id}/rotate`,
      payload: {},
    });
    await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${org.key}/tokens/${id}` });
    const events = await t.store.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'details'])
      .where('target_id', '=', id)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.action)).toEqual([
      'token.created',
      'token.updated',
      'token.rotated',
      'token.revoked',
    ]);
    expect(events.every((e) => e.actor_id === admin.user.id)).toBe(true);
    expect(JSON.parse(events[1]?.details ?? '{}')).toEqual({
      permissions: { from: ['analysis:execute', 'project:browse'], to: ['project:browse'] },
    });
  });

  it("keeps working when the admin who created it leaves; that admin's personal token loses the org", async () => {
    const leaver = await t.newSession();
    const team = await t.createOrg(root, { orgAdmin: leaver });
    await t.addMember(root, team.key, admin.user.id, 'admin');
    const { token } = await createOrgToken(t, leaver, team.key);
    const pat = (
      await t.request(leaver, {
        method: 'POST',
        url: '/api/v1/user/tokens',
        payload: { name: 'laptop', expiresAt: daysFromNow(t, 30) },
      })
    ).json().token as string;
    expect((await withToken(t, pat, { url: `/api/v1/orgs/${team.key}` })).statusCode).toBe(200);

    const removed = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${team.key}/members/${leaver.user.id}`,
    });
    expect(removed.statusCode).toBe(204);

    const orgToken = await withToken(t, token, { url: `/api/v1/orgs/${team.key}/projects` });
    expect(orgToken.statusCode).toBe(200);
    const shown = await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${team.key}/tokens` });
    expect(shown.json().items[0].createdBy).toEqual({ id: leaver.user.id, name: leaver.user.name });
    const personal = await withToken(t, pat, { url: `/api/v1/orgs/${team.key}` });
    expect(personal.statusCode).toBe(404);
  });

  it('stops organization tokens on a downgrade (PLAN_REQUIRED) and restores them on upgrade', async () => {
    const plans = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    const { token } = await createOrgToken(t, admin, plans.key);
    const setPlan = (plan: string) =>
      t.request(root, { method: 'PATCH', url: `/api/v1/orgs/${plans.key}`, payload: { plan } });
    expect((await withToken(t, token, { url: '/api/v1/me' })).statusCode).toBe(200);
    await setPlan('free');
    const refused = await withToken(t, token, { url: '/api/v1/me' });
    expect(refused.statusCode).toBe(403);
    // The message names what is missing and the plan that brings it back.
    expect(refused.json().error).toMatchObject({
      code: 'PLAN_REQUIRED',
      message: 'Organization tokens need the team plan or higher.',
    });
    const validate = await withToken(t, token, { url: '/api/authentication/validate' });
    expect(validate.json()).toEqual({ valid: false });
    const kept = await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${plans.key}/tokens` });
    expect(kept.json().items).toHaveLength(1);
    await setPlan('enterprise');
    expect((await withToken(t, token, { url: '/api/v1/me' })).statusCode).toBe(200);
  });

  it('counts usage and shows the last use after a flush', async () => {
    const { token, id } = await createOrgToken(t, admin, org.key);
    for (let i = 0; i < 3; i += 1) {
      await t.request(null, {
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${token}`, 'user-agent': 'sonar-scanner/5.0' },
        remoteAddress: '10.20.30.40',
      });
    }
    await t.app.runtime.usage.flush();
    const shown = (
      await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${org.key}/tokens/${id}` })
    ).json();
    expect(shown).toMatchObject({
      lastUsedAt: t.clock.now().toISOString(),
      lastUsedIp: '10.20.30.40',
      lastUsedUserAgent: 'sonar-scanner/5.0',
    });
    expect(shown.dailyUsage.at(-1)).toBe(3);
    expect(shown.dailyUsage.slice(0, 29)).toEqual(Array(29).fill(0));
  });
});
