import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken, createPersonalToken, daysFromNow, withToken } from '../helpers/tokens.js';

const dayMs = 24 * 3600 * 1000;

describeEachEngine('token status: suspended by the plan', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
  });
  afterAll(() => t.close());

  const setPlan = async (orgKey: string, plan: string) => {
    const response = await t.request(root, {
      method: 'PATCH',
      url: `/api/v1/orgs/${orgKey}`,
      payload: { plan },
    });
    expect(response.statusCode).toBe(200);
  };
  const list = async (orgKey: string, query = '') => {
    const response = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${orgKey}/tokens${query}`,
    });
    expect(response.statusCode).toBe(200);
    return (response.json().items as Array<{ name: string; status: string }>).map(
      (token) => `${token.name}:${token.status}`,
    );
  };

  /**
   * An organization with one token in each status: `far` (active), `soon` (expiring within 7
   * days), `old` (expired), `gone` (revoked). The clock moves past `old`'s expiry.
   */
  async function orgWithEveryStatus(): Promise<{ key: string; ids: Record<string, string> }> {
    const org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    const ids: Record<string, string> = {};
    const make = async (name: string, expiresAt: string | null) => {
      ids[name] = (await createOrgToken(t, admin, org.key, { name, expiresAt })).id;
    };
    await make('old', daysFromNow(t, 1));
    await make('gone', null);
    await make('soon', daysFromNow(t, 5));
    await make('far', daysFromNow(t, 90));
    await make('never', null);
    const revoked = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/tokens/${ids.gone}`,
    });
    expect(revoked.statusCode).toBe(200);
    t.clock.advance(2 * dayMs);
    return { key: org.key, ids };
  }

  describe('happy path', () => {
    it('shows every live token as suspended after a downgrade, and active again after an upgrade', async () => {
      const org = await orgWithEveryStatus();
      const allowed = [
        'never:active',
        'far:active',
        'soon:expiring',
        'gone:revoked',
        'old:expired',
      ];
      expect(await list(org.key)).toEqual(allowed);

      await setPlan(org.key, 'free');
      // revoked > expired > suspended > expiring > active
      expect(await list(org.key)).toEqual([
        'never:suspended',
        'far:suspended',
        'soon:suspended',
        'gone:revoked',
        'old:expired',
      ]);
      const one = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/tokens/${org.ids.soon}`,
      });
      expect(one.json().status).toBe('suspended');

      await setPlan(org.key, 'enterprise');
      expect(await list(org.key)).toEqual(allowed);
    });

    it('filters by ?status=suspended: every live token on a plan without organization tokens, none on one with them', async () => {
      const org = await orgWithEveryStatus();
      expect(await list(org.key, '?status=suspended')).toEqual([]);
      await setPlan(org.key, 'free');
      expect(await list(org.key, '?status=suspended')).toEqual([
        'never:suspended',
        'far:suspended',
        'soon:suspended',
      ]);
      expect(await list(org.key, '?status=active')).toEqual([]);
      expect(await list(org.key, '?status=expiring')).toEqual([]);
      expect(await list(org.key, '?status=revoked')).toEqual(['gone:revoked']);
      expect(await list(org.key, '?status=expired')).toEqual(['old:expired']);
      expect(await list(org.key, '?status=suspended&q=SOON')).toEqual(['soon:suspended']);
      // Pages of a suspended list follow the same cursor as any other.
      const first = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/tokens?status=suspended&limit=2`,
      });
      const second = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/tokens?status=suspended&limit=2&cursor=${first.json().nextCursor}`,
      });
      expect(second.json().items.map((i: { name: string }) => i.name)).toEqual(['soon']);
    });

    it('names the plan that restores the tokens in the organization answer', async () => {
      const org = await t.createOrg(root, { orgAdmin: admin, plan: 'free' });
      const response = await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${org.key}` });
      expect(response.json()).toMatchObject({
        plan: 'free',
        features: {
          organizationTokens: {
            included: false,
            plan: 'team',
            message: 'Organization tokens need the team plan or higher.',
          },
          tokenPolicy: { included: false, plan: 'enterprise' },
        },
      });
      await setPlan(org.key, 'team');
      const team = await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${org.key}` });
      expect(team.json().features).toMatchObject({
        organizationTokens: { included: true, plan: 'team' },
        ipAllowlist: { included: false, plan: 'enterprise' },
      });
    });

    it('never suspends a personal access token, whatever the plan of its user’s organizations', async () => {
      const person = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: person, plan: 'free' });
      const plain = await createPersonalToken(t, person, { expiresAt: null });
      const narrowed = await createPersonalToken(t, person, {
        expiresAt: null,
        org: org.key,
        permissions: ['analysis:execute'],
      });
      const mine = await t.request(person, { method: 'GET', url: '/api/v1/user/tokens' });
      expect(
        mine.json().items.map((i: { id: string; status: string }) => [i.id, i.status]),
      ).toEqual([
        [narrowed.id, 'active'],
        [plain.id, 'active'],
      ]);
      expect((await withToken(t, plain.token, { url: '/api/v1/me' })).statusCode).toBe(200);
    });
  });

  describe('security', () => {
    it('refuses a suspended token with PLAN_REQUIRED naming the plan, and accepts it again after the upgrade', async () => {
      const org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
      const { token, id } = await createOrgToken(t, admin, org.key);
      await setPlan(org.key, 'free');
      const refused = await withToken(t, token, { url: '/api/v1/me' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatchObject({
        code: 'PLAN_REQUIRED',
        message: 'Organization tokens need the team plan or higher.',
      });
      const shown = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/tokens/${id}`,
      });
      expect(shown.json().status).toBe('suspended');
      await setPlan(org.key, 'team');
      expect((await withToken(t, token, { url: '/api/v1/me' })).statusCode).toBe(200);
    });

    it('revokes a suspended token on any plan: revoked wins, and the upgrade does not bring it back', async () => {
      const org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
      const { token, id } = await createOrgToken(t, admin, org.key);
      await setPlan(org.key, 'free');
      const revoked = await t.request(admin, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.key}/tokens/${id}`,
      });
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json().status).toBe('revoked');
      await setPlan(org.key, 'team');
      expect(await list(org.key)).toEqual([`${revoked.json().name}:revoked`]);
      const refused = await withToken(t, token, { url: '/api/v1/me' });
      expect(refused.json().error.code).toBe('TOKEN_REVOKED');
    });
  });
});
