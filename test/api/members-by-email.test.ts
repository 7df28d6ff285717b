import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken, createPersonalToken, withToken } from '../helpers/tokens.js';

describeEachEngine('members added by email', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
  });
  afterAll(() => t.close());

  const add = (session: TestSession | null, payload: Record<string, unknown>, orgKey = org.key) =>
    t.request(session, { method: 'POST', url: `/api/v1/orgs/${orgKey}/members`, payload });
  const membership = (userId: string, orgId = org.id) =>
    t.store.db
      .selectFrom('memberships')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  const events = (orgId: string) =>
    t.store.db
      .selectFrom('audit_events')
      .select(['action', 'target_id', 'details', 'actor_id'])
      .where('org_id', '=', orgId)
      .orderBy('at')
      .orderBy('id')
      .execute();

  describe('happy path', () => {
    it('adds an existing user by email, whatever its case, and audits member.added', async () => {
      const user = await t.createUser();
      const response = await add(admin, { email: user.email.toUpperCase(), role: 'member' });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        userId: user.id,
        email: user.email,
        role: 'member',
        active: true,
      });
      expect(await membership(user.id)).toMatchObject({ role: 'member' });
      const added = (await events(org.id)).filter((e) => e.target_id === user.id);
      expect(added).toEqual([
        {
          action: 'member.added',
          target_id: user.id,
          details: JSON.stringify({ role: 'member' }),
          actor_id: admin.user.id,
        },
      ]);
      // The new member sees the organization at once.
      const signedIn = await t.signIn(user.email);
      const seen = await t.request(signedIn, { method: 'GET', url: `/api/v1/orgs/${org.key}` });
      expect(seen.json()).toMatchObject({ key: org.key, role: 'member' });
    });

    it('adds an admin when a signed-in person asks', async () => {
      const user = await t.createUser();
      const response = await add(admin, { email: user.email, role: 'admin' });
      expect(response.statusCode).toBe(201);
      expect((await membership(user.id))?.role).toBe('admin');
    });

    it("lets an org admin's personal access token add a plain member (it grants no privilege)", async () => {
      const { token } = await createPersonalToken(t, admin, { expiresAt: null });
      const user = await t.createUser();
      const response = await withToken(t, token, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/members`,
        payload: { email: user.email, role: 'member' },
      });
      expect(response.statusCode).toBe(201);
      expect((await membership(user.id))?.role).toBe('member');
    });
  });

  describe('errors', () => {
    it('answers 404 for an unknown email, saying that an instance admin creates accounts', async () => {
      const before = await storeDigest(t.store);
      const response = await add(admin, {
        email: `${unique('nobody')}@example.test`,
        role: 'member',
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('NOT_FOUND');
      expect(response.json().error.message).toMatch(/An instance admin creates accounts/);
      expect(await storeDigest(t.store)).toBe(before);
    });

    it('answers 404 for a deactivated user, as for an unknown one', async () => {
      const user = await t.createUser();
      const off = await t.request(root, {
        method: 'PATCH',
        url: `/api/v1/users/${user.id}`,
        payload: { active: false },
      });
      expect(off.statusCode).toBe(200);
      const response = await add(admin, { email: user.email, role: 'member' });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.message).toMatch(/An instance admin creates accounts/);
      expect(await membership(user.id)).toBeUndefined();
    });

    it('answers 409 for someone already a member, and leaves the role as it was', async () => {
      const user = await t.createUser();
      await t.addMember(admin, org.key, user.id, 'admin');
      const before = await storeDigest(t.store);
      for (const role of ['member', 'admin']) {
        const response = await add(admin, { email: user.email, role });
        expect(response.statusCode, role).toBe(409);
        expect(response.json().error.code).toBe('CONFLICT');
        expect(response.json().error.message).toMatch(/already a member \(admin\)/);
      }
      expect((await membership(user.id))?.role).toBe('admin');
      expect(await storeDigest(t.store)).toBe(before);
    });

    it('refuses a body that is not an email and a role', async () => {
      for (const payload of [
        { email: 'not-an-email', role: 'member' },
        { email: 'a@example.test', role: 'owner' },
        { email: 'a@example.test' },
        { email: 'a@example.test', role: 'member', userId: admin.user.id },
      ]) {
        const response = await add(admin, payload);
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(response.json().error.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('security', () => {
    it('answers 403 to a member who is not an admin', async () => {
      const member = await t.newSession();
      await t.addMember(admin, org.key, member.user.id, 'member');
      const user = await t.createUser();
      const response = await add(member, { email: user.email, role: 'member' });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('FORBIDDEN');
      expect(await membership(user.id)).toBeUndefined();
    });

    it('answers 404 to an admin of another organization, as if the organization did not exist', async () => {
      const otherAdmin = await t.newSession();
      await t.createOrg(root, { orgAdmin: otherAdmin });
      const user = await t.createUser();
      const response = await add(otherAdmin, { email: user.email, role: 'member' });
      expect(response.statusCode).toBe(404);
      expect(await membership(user.id)).toBeUndefined();
    });

    it('refuses the admin role to every token, even an instance admin’s, changing nothing', async () => {
      const user = await t.createUser();
      const tokens = {
        orgAdminPat: (await createPersonalToken(t, admin, { expiresAt: null })).token,
        instanceAdminPat: (await createPersonalToken(t, root, { expiresAt: null })).token,
        orgToken: (await createOrgToken(t, admin, org.key, { expiresAt: null })).token,
      };
      const before = await storeDigest(t.store);
      for (const [who, token] of Object.entries(tokens)) {
        const response = await withToken(t, token, {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/members`,
          payload: { email: user.email, role: 'admin' },
        });
        expect(response.statusCode, who).toBe(403);
        expect(response.json().error.code, who).toBe('FORBIDDEN');
        if (who !== 'orgToken') {
          expect(response.json().error.message, who).toBe(
            'Granting the admin role needs a signed-in person, not a token.',
          );
        }
      }
      expect(await storeDigest(t.store)).toBe(before);
    });

    it('refuses an organization token even for a plain member', async () => {
      const { token } = await createOrgToken(t, admin, org.key, { expiresAt: null });
      const user = await t.createUser();
      const response = await withToken(t, token, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/members`,
        payload: { email: user.email, role: 'member' },
      });
      expect(response.statusCode).toBe(403);
      expect(await membership(user.id)).toBeUndefined();
    });
  });
});
