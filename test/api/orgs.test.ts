import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';

describeEachEngine('organizations and members', (engine) => {
  let t: TestApp;
  let root: TestSession;
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
  });
  afterAll(() => t.close());

  describe('happy path', () => {
    it('an instance admin creates an organization with a plan', async () => {
      const key = unique('acme-');
      const response = await t.request(root, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { key, name: 'Acme', plan: 'enterprise' },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ key, name: 'Acme', plan: 'enterprise', role: null });
      const stored = await t.store.db
        .selectFrom('orgs')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      expect(stored.plan).toBe('enterprise');
    });

    it("lists only the caller's organizations, with the caller's role, by key", async () => {
      const user = await t.newSession();
      const a = await t.createOrg(root);
      const b = await t.createOrg(root);
      await t.createOrg(root); // not a member of this one
      await t.addMember(root, a.key, user.user.id, 'member');
      await t.addMember(root, b.key, user.user.id, 'admin');
      const response = await t.request(user, { method: 'GET', url: '/api/v1/orgs' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        items: [
          expect.objectContaining({ key: a.key, role: 'member' }),
          expect.objectContaining({ key: b.key, role: 'admin' }),
        ],
        nextCursor: null,
      });
    });

    it('pages through organizations with limit and cursor', async () => {
      const user = await t.newSession();
      const keys: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const org = await t.createOrg(root);
        await t.addMember(root, org.key, user.user.id, 'member');
        keys.push(org.key);
      }
      const seen: string[] = [];
      let url = '/api/v1/orgs?limit=2';
      for (let pages = 0; pages < 5; pages += 1) {
        const body = (await t.request(user, { method: 'GET', url })).json();
        seen.push(...body.items.map((o: { key: string }) => o.key));
        if (!body.nextCursor) break;
        url = `/api/v1/orgs?limit=2&cursor=${body.nextCursor}`;
      }
      expect(seen).toEqual([...keys].sort());
    });

    it('an org admin renames the organization; the change is audited', async () => {
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin });
      const response = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}`,
        payload: { name: 'Renamed' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ name: 'Renamed', role: 'admin' });
    });

    it('only an instance admin changes the plan, and plan.changed is audited', async () => {
      const org = await t.createOrg(root, { plan: 'free' });
      const response = await t.request(root, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}`,
        payload: { plan: 'enterprise' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().plan).toBe('enterprise');
      const events = await t.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('org_id', '=', org.id)
        .where('action', '=', 'plan.changed')
        .execute();
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.details ?? '{}')).toEqual({ from: 'free', to: 'enterprise' });
    });

    it('adds a member, changes the role, lists members and removes one, auditing each', async () => {
      const org = await t.createOrg(root);
      const user = await t.createUser();
      const add = await t.request(root, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/members/${user.id}`,
        payload: { role: 'member' },
      });
      expect(add.statusCode).toBe(200);
      expect(add.json()).toMatchObject({ userId: user.id, email: user.email, role: 'member' });
      const promote = await t.request(root, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/members/${user.id}`,
        payload: { role: 'admin' },
      });
      expect(promote.json().role).toBe('admin');
      expect(promote.json().addedAt).toBe(add.json().addedAt);
      const list = await t.request(root, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/members`,
      });
      expect(list.json().items).toEqual([
        expect.objectContaining({ userId: user.id, role: 'admin' }),
      ]);
      const other = await t.createUser();
      await t.addMember(root, org.key, other.id, 'member');
      const remove = await t.request(root, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.key}/members/${other.id}`,
      });
      expect(remove.statusCode).toBe(204);
      const actions = await t.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('org_id', '=', org.id)
        .orderBy('at')
        .orderBy('id')
        .execute();
      expect(actions.map((a) => a.action)).toEqual([
        'org.created',
        'member.added',
        'member.role_changed',
        'member.added',
        'member.removed',
      ]);
    });

    it('lets any member list the members', async () => {
      const member = await t.newSession();
      const org = await t.createOrg(root);
      await t.addMember(root, org.key, member.user.id, 'member');
      const response = await t.request(member, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/members`,
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('errors', () => {
    it('refuses a duplicate organization key with 409 CONFLICT', async () => {
      const org = await t.createOrg(root);
      const response = await t.request(root, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { key: org.key, name: 'Again', plan: 'free' },
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().error).toMatchObject({
        code: 'CONFLICT',
        message: 'An organization with this key already exists.',
      });
    });

    it.each([
      ['A', 'too short'],
      ['-leading-dash', 'leading dash'],
      ['UPPER', 'uppercase'],
      ['a'.repeat(40), 'too long'],
      ['has space', 'space'],
    ])('refuses the organization key %j (%s)', async (key) => {
      const response = await t.request(root, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { key, name: 'X', plan: 'free' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: '/body/key',
      });
    });

    it('refuses an unknown plan', async () => {
      const response = await t.request(root, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { key: unique('p-'), name: 'X', plan: 'platinum' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.field).toBe('/body/plan');
    });

    it('answers 404 for an organization that does not exist', async () => {
      const response = await t.request(root, { method: 'GET', url: '/api/v1/orgs/no-such-org' });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('NOT_FOUND');
    });

    it('answers 404 when adding a user that does not exist', async () => {
      const org = await t.createOrg(root);
      const response = await t.request(root, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/members/00000000-0000-4000-8000-000000000000`,
        payload: { role: 'member' },
      });
      expect(response.statusCode).toBe(404);
    });

    it('answers 404 when removing someone who is not a member', async () => {
      const org = await t.createOrg(root);
      const user = await t.createUser();
      const response = await t.request(root, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.key}/members/${user.id}`,
      });
      expect(response.statusCode).toBe(404);
    });

    it('never leaves an organization without an admin (409)', async () => {
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin });
      const demote = await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/members/${admin.user.id}`,
        payload: { role: 'member' },
      });
      expect(demote.statusCode).toBe(409);
      const remove = await t.request(admin, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.key}/members/${admin.user.id}`,
      });
      expect(remove.statusCode).toBe(409);
      const membership = await t.store.db
        .selectFrom('memberships')
        .select('role')
        .where('org_id', '=', org.id)
        .where('user_id', '=', admin.user.id)
        .executeTakeFirst();
      expect(membership?.role).toBe('admin');
    });

    it('keeps one admin when two admins demote each other at the same moment', async () => {
      const a = await t.newSession();
      const b = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: a });
      await t.addMember(root, org.key, b.user.id, 'admin');
      const demote = (by: TestSession, who: TestSession) =>
        t.request(by, {
          method: 'PUT',
          url: `/api/v1/orgs/${org.key}/members/${who.user.id}`,
          payload: { role: 'member' },
        });
      const statuses = (await Promise.all([demote(a, b), demote(b, a)])).map((r) => r.statusCode);
      // One wins; the other is refused, either as no longer an admin (403) or as the last (409).
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      const admins = await t.store.db
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', org.id)
        .where('role', '=', 'admin')
        .execute();
      expect(admins).toHaveLength(1);
    });

    it('refuses an empty PATCH', async () => {
      const org = await t.createOrg(root);
      const response = await t.request(root, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}`,
        payload: {},
      });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('security', () => {
    it('answers 404, not 403, to a non-member for every organization route', async () => {
      const outsider = await t.newSession();
      const org = await t.createOrg(root);
      const user = await t.createUser();
      const requests = [
        { method: 'GET', url: `/api/v1/orgs/${org.key}` },
        { method: 'PATCH', url: `/api/v1/orgs/${org.key}`, payload: { name: 'Mine' } },
        { method: 'GET', url: `/api/v1/orgs/${org.key}/members` },
        {
          method: 'PUT',
          url: `/api/v1/orgs/${org.key}/members/${outsider.user.id}`,
          payload: { role: 'admin' },
        },
        { method: 'DELETE', url: `/api/v1/orgs/${org.key}/members/${user.id}` },
      ] as const;
      for (const request of requests) {
        const response = await t.request(outsider, request);
        expect(response.statusCode, `${request.method} ${request.url}`).toBe(404);
        // The same answer as for an organization that does not exist.
        const missing = await t.request(outsider, {
          ...request,
          url: request.url.replace(org.key, 'no-such-org'),
        });
        expect(response.json().error.message).toBe(missing.json().error.message);
      }
      const membership = await t.store.db
        .selectFrom('memberships')
        .selectAll()
        .where('user_id', '=', outsider.user.id)
        .execute();
      expect(membership).toHaveLength(0);
    });

    it('answers 403 to a member attempting admin work', async () => {
      const member = await t.newSession();
      const org = await t.createOrg(root);
      await t.addMember(root, org.key, member.user.id, 'member');
      const user = await t.createUser();
      const requests = [
        { method: 'PATCH', url: `/api/v1/orgs/${org.key}`, payload: { name: 'Mine' } },
        {
          method: 'PUT',
          url: `/api/v1/orgs/${org.key}/members/${member.user.id}`,
          payload: { role: 'admin' },
        },
        {
          method: 'PUT',
          url: `/api/v1/orgs/${org.key}/members/${user.id}`,
          payload: { role: 'member' },
        },
        { method: 'DELETE', url: `/api/v1/orgs/${org.key}/members/${member.user.id}` },
        { method: 'GET', url: `/api/v1/orgs/${org.key}/audit-events` },
      ] as const;
      for (const request of requests) {
        const response = await t.request(member, request);
        expect(response.statusCode, `${request.method} ${request.url}`).toBe(403);
        expect(response.json().error.code).toBe('FORBIDDEN');
      }
      const role = await t.store.db
        .selectFrom('memberships')
        .select('role')
        .where('org_id', '=', org.id)
        .where('user_id', '=', member.user.id)
        .executeTakeFirst();
      expect(role?.role).toBe('member');
    });

    it('refuses a plan change from an org admin who is not an instance admin', async () => {
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin, plan: 'free' });
      const response = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}`,
        payload: { plan: 'enterprise' },
      });
      expect(response.statusCode).toBe(403);
      const stored = await t.store.db
        .selectFrom('orgs')
        .select('plan')
        .where('id', '=', org.id)
        .executeTakeFirstOrThrow();
      expect(stored.plan).toBe('free');
    });

    it('refuses organization creation to anyone but an instance admin', async () => {
      const user = await t.newSession();
      const response = await t.request(user, {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { key: unique('x-'), name: 'X', plan: 'free' },
      });
      expect(response.statusCode).toBe(403);
    });

    it('a removed member loses access with the very next request', async () => {
      const member = await t.newSession();
      const org = await t.createOrg(root);
      await t.addMember(root, org.key, member.user.id, 'member');
      const before = await t.request(member, { method: 'GET', url: `/api/v1/orgs/${org.key}` });
      expect(before.statusCode).toBe(200);
      const removed = await t.request(root, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.key}/members/${member.user.id}`,
      });
      expect(removed.statusCode).toBe(204);
      for (const url of [
        `/api/v1/orgs/${org.key}`,
        `/api/v1/orgs/${org.key}/projects`,
        `/api/v1/orgs/${org.key}/members`,
      ]) {
        const after = await t.request(member, { method: 'GET', url });
        expect(after.statusCode, url).toBe(404);
      }
      const list = await t.request(member, { method: 'GET', url: '/api/v1/orgs' });
      expect(list.json().items).toEqual([]);
    });

    it('a demoted admin loses admin rights at once', async () => {
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin });
      await t.addMember(root, org.key, (await t.createUser()).id, 'admin');
      await t.addMember(root, org.key, admin.user.id, 'member');
      const response = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}`,
        payload: { name: 'Still mine?' },
      });
      expect(response.statusCode).toBe(403);
    });
  });
});
