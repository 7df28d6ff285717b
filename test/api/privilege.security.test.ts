import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserActor } from '../../src/domain/actors.js';
import { AppError } from '../../src/domain/errors.js';
import { requireSignedInPerson } from '../../src/services/access.js';
import { createTestApp, password, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken, createPersonalToken, withToken } from '../helpers/tokens.js';

/**
 * Privilege-granting actions need a signed-in person: a token, even an instance admin's own
 * personal access token, never creates a user, makes an instance admin, grants or removes the
 * org admin role, changes a plan or creates an organization (docs/security.md).
 */
describeEachEngine('privilege-granting actions', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let rootPat: string;
  let orgAdmin: TestSession;
  let orgAdminPat: string;
  let orgToken: string;
  let org: { key: string; id: string };

  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    orgAdmin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin, plan: 'team' });
    rootPat = (await createPersonalToken(t, root, { expiresAt: null })).token;
    orgAdminPat = (await createPersonalToken(t, orgAdmin, { expiresAt: null })).token;
    orgToken = (await createOrgToken(t, orgAdmin, org.key, { expiresAt: null })).token;
  });
  afterAll(() => t.close());

  type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  const newUserBody = () => ({
    email: `${unique('backdoor')}@example.test`,
    name: 'Backdoor',
    password,
  });

  /** Sends `attempt` with `secret`, expects 403 naming `reason`, and that nothing changed. */
  async function expectRefused(
    secret: string,
    attempt: { method: Method; url: string; payload?: unknown },
    reason: RegExp,
  ): Promise<void> {
    const before = await storeDigest(t.store);
    const response = await withToken(t, secret, attempt);
    const label = `${attempt.method} ${attempt.url} ${JSON.stringify(attempt.payload ?? null)}`;
    expect(response.statusCode, label).toBe(403);
    expect(response.json().error.code, label).toBe('FORBIDDEN');
    expect(response.json().error.message, label).toMatch(reason);
    expect(await storeDigest(t.store), label).toBe(before);
  }

  async function instanceLog(action: string): Promise<Array<Record<string, unknown>>> {
    const response = await t.request(root, {
      method: 'GET',
      url: `/api/v1/audit-events?action=${action}&limit=100`,
    });
    expect(response.statusCode).toBe(200);
    return response.json().items;
  }

  describe("an instance admin's personal access token", () => {
    it('cannot create a user, neither a plain one nor an instance admin', async () => {
      for (const extra of [{}, { instanceAdmin: true }]) {
        await expectRefused(
          rootPat,
          { method: 'POST', url: '/api/v1/users', payload: { ...newUserBody(), ...extra } },
          /^Creating users needs a signed-in person, not a token\.$/,
        );
      }
    });

    it('cannot make or remove an instance admin, nor activate or deactivate a user', async () => {
      const plain = await t.createUser();
      const admin = await t.createUser({ instanceAdmin: true });
      const attempts = [
        [plain.id, { instanceAdmin: true }],
        [admin.id, { instanceAdmin: false }],
        [plain.id, { active: false }],
        [plain.id, { active: true }],
        [admin.id, { active: false, instanceAdmin: false }],
      ] as const;
      for (const [userId, payload] of attempts) {
        await expectRefused(
          rootPat,
          { method: 'PATCH', url: `/api/v1/users/${userId}`, payload },
          /^Administering users needs a signed-in person, not a token\.$/,
        );
      }
    });

    it('cannot change a plan or create an organization', async () => {
      await expectRefused(
        rootPat,
        { method: 'PATCH', url: `/api/v1/orgs/${org.key}`, payload: { plan: 'enterprise' } },
        /^Changing a plan needs a signed-in person, not a token\.$/,
      );
      await expectRefused(
        rootPat,
        {
          method: 'POST',
          url: '/api/v1/orgs',
          payload: { key: unique('o-'), name: 'O', plan: 'free' },
        },
        /^Creating an organization needs a signed-in person, not a token\.$/,
      );
    });

    it('still renames an organization and reads the users and the instance log', async () => {
      const renamed = await withToken(t, rootPat, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}`,
        payload: { name: 'Renamed by token' },
      });
      expect(renamed.statusCode).toBe(200);
      expect((await withToken(t, rootPat, { url: '/api/v1/users' })).statusCode).toBe(200);
      expect((await withToken(t, rootPat, { url: '/api/v1/audit-events' })).statusCode).toBe(200);
    });
  });

  describe("an org admin's personal access token", () => {
    it('cannot grant the admin role, to a new member or to an existing one', async () => {
      const stranger = await t.createUser();
      const member = await t.createUser();
      await t.addMember(orgAdmin, org.key, member.id, 'member');
      for (const userId of [stranger.id, member.id]) {
        await expectRefused(
          orgAdminPat,
          {
            method: 'PUT',
            url: `/api/v1/orgs/${org.key}/members/${userId}`,
            payload: { role: 'admin' },
          },
          /^Granting the admin role needs a signed-in person, not a token\.$/,
        );
      }
    });

    it('cannot demote an admin or remove one, itself included', async () => {
      const coAdmin = await t.createUser();
      await t.addMember(orgAdmin, org.key, coAdmin.id, 'admin');
      for (const userId of [coAdmin.id, orgAdmin.user.id]) {
        const url = `/api/v1/orgs/${org.key}/members/${userId}`;
        const reason = /^Removing the admin role needs a signed-in person, not a token\.$/;
        await expectRefused(
          orgAdminPat,
          { method: 'PUT', url, payload: { role: 'member' } },
          reason,
        );
        await expectRefused(orgAdminPat, { method: 'DELETE', url }, reason);
      }
    });

    it('still adds and removes a plain member, which grants no privilege', async () => {
      const user = await t.createUser();
      const url = `/api/v1/orgs/${org.key}/members/${user.id}`;
      const added = await withToken(t, orgAdminPat, {
        method: 'PUT',
        url,
        payload: { role: 'member' },
      });
      expect(added.statusCode).toBe(200);
      expect(added.json().role).toBe('member');
      const removed = await withToken(t, orgAdminPat, { method: 'DELETE', url });
      expect(removed.statusCode).toBe(204);
      const stored = await t.store.db
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', org.id)
        .where('user_id', '=', user.id)
        .execute();
      expect(stored).toEqual([]);
    });
  });

  it('refuses every privilege-granting action to an organization token', async () => {
    const user = await t.createUser();
    const attempts = [
      { method: 'POST', url: '/api/v1/users', payload: newUserBody() },
      { method: 'PATCH', url: `/api/v1/users/${user.id}`, payload: { instanceAdmin: true } },
      {
        method: 'POST',
        url: '/api/v1/orgs',
        payload: { key: unique('o-'), name: 'O', plan: 'free' },
      },
      { method: 'PATCH', url: `/api/v1/orgs/${org.key}`, payload: { plan: 'enterprise' } },
      {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/members/${user.id}`,
        payload: { role: 'admin' },
      },
      { method: 'DELETE', url: `/api/v1/orgs/${org.key}/members/${orgAdmin.user.id}` },
    ] as const;
    for (const attempt of attempts) {
      await expectRefused(orgToken, attempt, /token/i);
    }
    const log = await t.request(null, {
      method: 'GET',
      url: '/api/v1/audit-events',
      headers: { authorization: `Bearer ${orgToken}` },
    });
    expect(log.statusCode).toBe(403);
  });

  describe('the same actions by a signed-in person', () => {
    it('create a user and an instance admin, audited in the instance log', async () => {
      const body = newUserBody();
      const response = await t.request(root, {
        method: 'POST',
        url: '/api/v1/users',
        payload: { ...body, instanceAdmin: true },
        headers: { 'user-agent': 'privilege-test/1.0' },
      });
      expect(response.statusCode).toBe(201);
      const id = response.json().id;
      const created = (await instanceLog('user.created')).find(
        (e) => (e.target as { id: string }).id === id,
      );
      expect(created).toMatchObject({
        actor: { type: 'user', id: root.user.id, name: root.user.name },
        target: { type: 'user', id, name: body.email },
        ip: '127.0.0.1',
        userAgent: 'privilege-test/1.0',
        details: { instanceAdmin: true },
      });
      const granted = await instanceLog('user.instance_admin_granted');
      expect(granted.filter((e) => (e.target as { id: string }).id === id)).toHaveLength(1);
    });

    it('grant, revoke, deactivate and activate, each audited once', async () => {
      const user = await t.createUser();
      const changes = [
        [{ instanceAdmin: true }, 'user.instance_admin_granted'],
        [{ instanceAdmin: true }, null],
        [{ instanceAdmin: false }, 'user.instance_admin_revoked'],
        [{ active: false }, 'user.deactivated'],
        [{ active: true }, 'user.activated'],
      ] as const;
      for (const [payload, action] of changes) {
        const before = await t.store.db
          .selectFrom('audit_events')
          .select('action')
          .where('target_id', '=', user.id)
          .execute();
        const response = await t.request(root, {
          method: 'PATCH',
          url: `/api/v1/users/${user.id}`,
          payload,
        });
        expect(response.statusCode, JSON.stringify(payload)).toBe(200);
        const after = await t.store.db
          .selectFrom('audit_events')
          .select(['action', 'org_id', 'actor_id'])
          .where('target_id', '=', user.id)
          .execute();
        // An unchanged value is no change: nothing is recorded for it.
        expect(after.length - before.length, JSON.stringify(payload)).toBe(action ? 1 : 0);
        if (action) {
          expect(after).toContainEqual({ action, org_id: null, actor_id: root.user.id });
        }
      }
    });

    it('create an organization and change its plan, audited in both logs', async () => {
      const made = await t.createOrg(root, { plan: 'free' });
      const changed = await t.request(root, {
        method: 'PATCH',
        url: `/api/v1/orgs/${made.key}`,
        payload: { plan: 'enterprise' },
      });
      expect(changed.statusCode).toBe(200);
      const rows = await t.store.db
        .selectFrom('audit_events')
        .select(['action', 'org_id'])
        .where('target_id', '=', made.id)
        .execute();
      const sorted = [...rows].sort((a, b) =>
        `${a.action}${a.org_id ?? ''}`.localeCompare(`${b.action}${b.org_id ?? ''}`),
      );
      expect(sorted).toEqual([
        { action: 'org.created', org_id: null },
        { action: 'org.created', org_id: made.id },
        { action: 'plan.changed', org_id: null },
        { action: 'plan.changed', org_id: made.id },
      ]);
      const plan = (await instanceLog('plan.changed')).find(
        (e) => (e.target as { id: string }).id === made.id,
      );
      expect(plan?.details).toEqual({ from: 'free', to: 'enterprise' });
    });

    it('grant, demote and remove an org admin', async () => {
      const user = await t.createUser();
      const url = `/api/v1/orgs/${org.key}/members/${user.id}`;
      const granted = await t.request(orgAdmin, {
        method: 'PUT',
        url,
        payload: { role: 'admin' },
      });
      expect(granted.json().role).toBe('admin');
      const demoted = await t.request(orgAdmin, {
        method: 'PUT',
        url,
        payload: { role: 'member' },
      });
      expect(demoted.json().role).toBe('member');
      await t.addMember(orgAdmin, org.key, user.id, 'admin');
      const removed = await t.request(orgAdmin, { method: 'DELETE', url });
      expect(removed.statusCode).toBe(204);
    });
  });

  it("reaches the user's personal access tokens at once when the instance admin role changes", async () => {
    const user = await t.newSession();
    const pat = (await createPersonalToken(t, user, { expiresAt: null })).token;
    const listUsers = () => withToken(t, pat, { url: '/api/v1/users' });
    // The first answer puts the token in the verification cache.
    expect((await listUsers()).statusCode).toBe(403);
    const patch = (instanceAdmin: boolean) =>
      t.request(root, {
        method: 'PATCH',
        url: `/api/v1/users/${user.user.id}`,
        payload: { instanceAdmin },
      });
    await patch(true);
    expect((await listUsers()).statusCode).toBe(200);
    await patch(false);
    expect((await listUsers()).statusCode).toBe(403);
  });

  it('accepts a person who proved a password, and refuses a personal access token', () => {
    const person = (via: UserActor['via']): UserActor => ({
      type: 'user',
      id: root.user.id,
      email: root.user.email,
      name: root.user.name,
      instanceAdmin: true,
      via,
    });
    expect(requireSignedInPerson(person('session'), 'X').via).toBe('session');
    expect(requireSignedInPerson(person('password'), 'X').via).toBe('password');
    expect(() => requireSignedInPerson(person('personal_access_token'), 'X')).toThrow(AppError);
  });
});
