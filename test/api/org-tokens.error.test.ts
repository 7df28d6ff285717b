import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken, daysFromNow } from '../helpers/tokens.js';

describeEachEngine('organization tokens: errors', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let team: { key: string; id: string };
  let enterprise: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    team = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    enterprise = await t.createOrg(root, { orgAdmin: admin, plan: 'enterprise' });
    for (const org of [team, enterprise]) {
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key: 'app', name: 'App' },
      });
    }
  });
  afterAll(() => t.close());

  const create = (orgKey: string, overrides: Record<string, unknown>) =>
    t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${orgKey}/tokens`,
      payload: {
        name: `t-${Math.random().toString(36).slice(2, 9)}`,
        permissions: ['analysis:execute'],
        projects: { mode: 'all' },
        expiresAt: daysFromNow(t, 30),
        ...overrides,
      },
    });

  async function expectInvalid(
    response: Awaited<ReturnType<typeof create>>,
    field: string,
    message?: RegExp,
  ) {
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    if (message) expect(response.json().error.message).toMatch(message);
  }

  describe('expiry', () => {
    it.each([
      ['in the past', -1],
      ['less than a day ahead', 0.99],
    ])('refuses an expiry %s', async (_, days) => {
      await expectInvalid(
        await create(team.key, { expiresAt: daysFromNow(t, days) }),
        '/body/expiresAt',
        /at least 1 day/,
      );
    });

    it('refuses a missing expiresAt and one that is not a date-time', async () => {
      await expectInvalid(await create(team.key, { expiresAt: undefined }), '/body/expiresAt');
      await expectInvalid(await create(team.key, { expiresAt: 'tomorrow' }), '/body/expiresAt');
    });

    it('enforces the enterprise token policy: maximum lifetime and required expiry', async () => {
      const put = await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${enterprise.key}/token-policy`,
        payload: { maxLifetimeDays: 30, requireExpiry: true },
      });
      expect(put.statusCode).toBe(200);
      await expectInvalid(
        await create(enterprise.key, { expiresAt: daysFromNow(t, 31) }),
        '/body/expiresAt',
        /maximum token lifetime of 30 days/,
      );
      await expectInvalid(await create(enterprise.key, { expiresAt: null }), '/body/expiresAt');
      expect((await create(enterprise.key, { expiresAt: daysFromNow(t, 29) })).statusCode).toBe(
        201,
      );
      const policy = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${enterprise.key}/token-policy`,
      });
      expect(policy.json()).toEqual({ maxLifetimeDays: 30, requireExpiry: true });
      const audit = await t.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('org_id', '=', enterprise.id)
        .where('action', '=', 'policy.updated')
        .execute();
      expect(audit).toHaveLength(1);
      await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${enterprise.key}/token-policy`,
        payload: { maxLifetimeDays: null, requireExpiry: false },
      });
    });

    it('applies the policy to rotation too', async () => {
      const { id } = await createOrgToken(t, admin, enterprise.key, { expiresAt: null });
      await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${enterprise.key}/token-policy`,
        payload: { maxLifetimeDays: null, requireExpiry: true },
      });
      try {
        const rotate = await t.request(admin, {
          method: 'POST',
          url: `/api/v1/orgs/${enterprise.key}/tokens/${id}/rotate`,
          payload: {},
        });
        await expectInvalid(rotate, '/body/expiresAt');
      } finally {
        await t.request(admin, {
          method: 'PUT',
          url: `/api/v1/orgs/${enterprise.key}/token-policy`,
          payload: { maxLifetimeDays: null, requireExpiry: false },
        });
      }
    });

    it('refuses a token policy below the enterprise plan with PLAN_REQUIRED naming the plan', async () => {
      const response = await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${team.key}/token-policy`,
        payload: { maxLifetimeDays: 90, requireExpiry: true },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toMatchObject({
        code: 'PLAN_REQUIRED',
        message: 'A token lifetime policy needs the enterprise plan.',
      });
    });
  });

  describe('scope, permissions and plan', () => {
    it('refuses selected keys that do not name a project, and an empty selection', async () => {
      await expectInvalid(
        await create(team.key, { projects: { mode: 'selected', keys: ['app', 'ghost'] } }),
        '/body/projects/keys/1',
        /ghost/,
      );
      await expectInvalid(
        await create(team.key, { projects: { mode: 'selected', keys: [], patterns: [] } }),
        '/body/projects',
      );
      await expectInvalid(
        await create(team.key, { projects: { mode: 'selected', patterns: ['bad pattern'] } }),
        '/body/projects/patterns/0',
      );
    });

    it('refuses unknown and duplicate permissions, and none at all', async () => {
      await expectInvalid(
        await create(team.key, { permissions: ['admin:all'] }),
        '/body/permissions/0',
      );
      await expectInvalid(
        await create(team.key, { permissions: ['analysis:execute', 'analysis:execute'] }),
        '/body/permissions',
      );
      await expectInvalid(await create(team.key, { permissions: [] }), '/body/permissions');
    });

    it('refuses organization tokens on the free plan with PLAN_REQUIRED naming team', async () => {
      const free = await t.createOrg(root, { orgAdmin: admin, plan: 'free' });
      const response = await create(free.key, {});
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toMatchObject({
        code: 'PLAN_REQUIRED',
        message: 'Organization tokens need the team plan or higher.',
      });
      expect(
        await t.store.db.selectFrom('tokens').select('id').where('org_id', '=', free.id).execute(),
      ).toEqual([]);
    });

    it('takes allowedCidrs on enterprise only, and refuses what is not a CIDR', async () => {
      const response = await create(team.key, { allowedCidrs: ['10.0.0.0/8'] });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('PLAN_REQUIRED');
      await expectInvalid(
        await create(enterprise.key, { allowedCidrs: ['10.0.0.0/8', '10.0.0.300/8'] }),
        '/body/allowedCidrs/1',
      );
      const ok = await create(enterprise.key, {
        allowedCidrs: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'],
      });
      expect(ok.statusCode).toBe(201);
      expect(ok.json().allowedCidrs).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7/32']);
    });

    it('refuses an address in another spelling than the standard one, storing nothing', async () => {
      // 0127.0.0.1 used to be read as octal and stored as 87.0.0.1/32.
      for (const cidr of ['0127.0.0.1', '127.1', '0x7f.0.0.1']) {
        const name = `odd-${Math.random().toString(36).slice(2, 9)}`;
        await expectInvalid(
          await create(enterprise.key, { name, allowedCidrs: ['10.0.0.0/8', cidr] }),
          '/body/allowedCidrs/1',
        );
        const stored = await t.store.db
          .selectFrom('tokens')
          .select('id')
          .where('org_id', '=', enterprise.id)
          .where('name', '=', name)
          .execute();
        expect(stored, cidr).toEqual([]);
      }
      const token = await create(enterprise.key, { allowedCidrs: ['10.0.0.0/8'] });
      expect(token.statusCode).toBe(201);
      const edit = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${enterprise.key}/tokens/${token.json().id}`,
        payload: { allowedCidrs: ['0127.0.0.1'] },
      });
      await expectInvalid(edit, '/body/allowedCidrs/0');
      const row = await t.store.db
        .selectFrom('tokens')
        .select('allowed_cidrs')
        .where('id', '=', token.json().id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.allowed_cidrs)).toEqual(['10.0.0.0/8']);
    });
  });

  describe('lifecycle conflicts', () => {
    it('refuses to edit or rotate a revoked token (409)', async () => {
      const { id } = await createOrgToken(t, admin, team.key);
      await t.request(admin, { method: 'DELETE', url: `/api/v1/orgs/${team.key}/tokens/${id}` });
      const edit = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${team.key}/tokens/${id}`,
        payload: { name: 'back' },
      });
      expect(edit.statusCode).toBe(409);
      const rotate = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${team.key}/tokens/${id}/rotate`,
        payload: {},
      });
      expect(rotate.statusCode).toBe(409);
    });

    it('answers 404 for an unknown token and for a token of another organization', async () => {
      const other = await createOrgToken(t, admin, enterprise.key);
      for (const id of ['00000000-0000-7000-8000-000000000000', other.id]) {
        for (const method of ['GET', 'DELETE'] as const) {
          const response = await t.request(admin, {
            method,
            url: `/api/v1/orgs/${team.key}/tokens/${id}`,
          });
          expect(response.statusCode).toBe(404);
        }
      }
      const row = await t.store.db
        .selectFrom('tokens')
        .select('revoked_at')
        .where('id', '=', other.id)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at).toBeNull();
    });

    it('creates exactly one token when one name is posted concurrently', async () => {
      const name = `race-${Math.random().toString(36).slice(2, 8)}`;
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => create(team.key, { name })),
      );
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      const rows = await t.store.db
        .selectFrom('tokens')
        .select('id')
        .where('org_id', '=', team.id)
        .where('name', '=', name)
        .execute();
      expect(rows).toHaveLength(1);
    });

    it('refuses renaming a token to the name of another live token', async () => {
      await createOrgToken(t, admin, team.key, { name: 'taken-name' });
      const { id } = await createOrgToken(t, admin, team.key);
      const response = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${team.key}/tokens/${id}`,
        payload: { name: 'taken-name' },
      });
      expect(response.statusCode).toBe(409);
    });
  });
});
