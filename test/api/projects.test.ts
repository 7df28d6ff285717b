import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';

describeEachEngine('projects', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let member: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    member = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
    await t.addMember(root, org.key, member.user.id, 'member');
  });
  afterAll(() => t.close());

  const create = (session: TestSession, key: string, name = `Project ${key}`) =>
    t.request(session, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key, name },
    });

  describe('happy path', () => {
    it('an org admin creates a project; members browse it', async () => {
      const key = unique('backend-api:');
      const created = await create(admin, key, 'Backend API');
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ key, name: 'Backend API' });
      const one = await t.request(member, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/projects/${encodeURIComponent(key)}`,
      });
      expect(one.statusCode).toBe(200);
      expect(one.json()).toEqual(created.json());
      const list = await t.request(member, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/projects?limit=200`,
      });
      expect(list.json().items).toContainEqual(created.json());
    });

    it('keeps project keys case-sensitive and unique per organization only', async () => {
      const key = unique('Mixed.Case_');
      expect((await create(admin, key)).statusCode).toBe(201);
      expect((await create(admin, key.toLowerCase())).statusCode).toBe(201);
      const other = await t.createOrg(root, { orgAdmin: admin });
      const elsewhere = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${other.key}/projects`,
        payload: { key, name: 'Same key, other org' },
      });
      expect(elsewhere.statusCode).toBe(201);
    });

    it('renames a project and audits it', async () => {
      const key = unique('rename-');
      await create(admin, key);
      const response = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}/projects/${key}`,
        payload: { name: 'New name' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().name).toBe('New name');
    });

    it('deletes a project and records project.created and project.deleted', async () => {
      const key = unique('gone-');
      const created = (await create(admin, key)).json();
      const response = await t.request(admin, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.key}/projects/${key}`,
      });
      expect(response.statusCode).toBe(204);
      const rows = await t.store.db
        .selectFrom('projects')
        .selectAll()
        .where('id', '=', created.id)
        .execute();
      expect(rows).toHaveLength(0);
      const events = await t.store.db
        .selectFrom('audit_events')
        .select(['action', 'actor_id', 'target_name'])
        .where('target_id', '=', created.id)
        .orderBy('id')
        .execute();
      expect(events).toEqual([
        { action: 'project.created', actor_id: admin.user.id, target_name: key },
        { action: 'project.deleted', actor_id: admin.user.id, target_name: key },
      ]);
    });

    it('pages projects by key', async () => {
      const paged = await t.createOrg(root, { orgAdmin: admin });
      const keys = ['b', 'a', 'd', 'c', 'e'].map((k) => `${k}-project`);
      for (const key of keys) {
        await t.request(admin, {
          method: 'POST',
          url: `/api/v1/orgs/${paged.key}/projects`,
          payload: { key, name: key },
        });
      }
      const first = (
        await t.request(member, {
          method: 'GET',
          url: `/api/v1/orgs/${paged.key}/projects?limit=2`,
        })
      ).json();
      // member is not in this org: 404. Read as the admin instead.
      expect(first.error.code).toBe('NOT_FOUND');
      const page1 = (
        await t.request(admin, { method: 'GET', url: `/api/v1/orgs/${paged.key}/projects?limit=2` })
      ).json();
      expect(page1.items.map((p: { key: string }) => p.key)).toEqual(['a-project', 'b-project']);
      const page2 = (
        await t.request(admin, {
          method: 'GET',
          url: `/api/v1/orgs/${paged.key}/projects?limit=2&cursor=${page1.nextCursor}`,
        })
      ).json();
      expect(page2.items.map((p: { key: string }) => p.key)).toEqual(['c-project', 'd-project']);
      const page3 = (
        await t.request(admin, {
          method: 'GET',
          url: `/api/v1/orgs/${paged.key}/projects?limit=2&cursor=${page2.nextCursor}`,
        })
      ).json();
      expect(page3).toEqual({
        items: [expect.objectContaining({ key: 'e-project' })],
        nextCursor: null,
      });
    });
  });

  describe('errors', () => {
    it('refuses a duplicate key in the organization with 409 CONFLICT', async () => {
      const key = unique('dup-');
      await create(admin, key);
      const again = await create(admin, key);
      expect(again.statusCode).toBe(409);
      expect(again.json().error.message).toBe(
        'A project with this key already exists in the organization.',
      );
    });

    it('creates exactly one project when the same key is posted concurrently', async () => {
      const key = unique('race-');
      const responses = await Promise.all(Array.from({ length: 5 }, () => create(admin, key)));
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409]);
    });

    it.each([['has space'], ['slash/inside'], ['x'.repeat(101)], ['']])(
      'refuses the project key %j',
      async (key) => {
        const response = await create(admin, key);
        expect(response.statusCode).toBe(400);
        expect(response.json().error.field).toBe('/body/key');
      },
    );

    it('answers 404 for a project that does not exist', async () => {
      for (const method of ['GET', 'DELETE'] as const) {
        const response = await t.request(admin, {
          method,
          url: `/api/v1/orgs/${org.key}/projects/missing-project`,
        });
        expect(response.statusCode).toBe(404);
      }
    });

    it('refuses a blank name', async () => {
      const response = await create(admin, unique('blank-'), '   ');
      expect(response.statusCode).toBe(400);
      expect(response.json().error.field).toBe('/body/name');
    });
  });

  describe('security', () => {
    it('answers 403 to a member creating, renaming or deleting a project', async () => {
      const key = unique('guarded-');
      await create(admin, key);
      const attempts = [
        {
          method: 'POST',
          url: `/api/v1/orgs/${org.key}/projects`,
          payload: { key: 'x1', name: 'x' },
        },
        { method: 'PATCH', url: `/api/v1/orgs/${org.key}/projects/${key}`, payload: { name: 'y' } },
        { method: 'DELETE', url: `/api/v1/orgs/${org.key}/projects/${key}` },
      ] as const;
      for (const attempt of attempts) {
        const response = await t.request(member, attempt);
        expect(response.statusCode, attempt.method).toBe(403);
      }
      const stored = await t.store.db
        .selectFrom('projects')
        .select('name')
        .where('org_id', '=', org.id)
        .where('key', 'in', [key, 'x1'])
        .execute();
      expect(stored).toEqual([{ name: `Project ${key}` }]);
    });

    it("answers 404 for another organization's project, as if it did not exist", async () => {
      const outsider = await t.newSession();
      const key = unique('secret-');
      await create(admin, key);
      for (const method of ['GET', 'DELETE'] as const) {
        const response = await t.request(outsider, {
          method,
          url: `/api/v1/orgs/${org.key}/projects/${key}`,
        });
        expect(response.statusCode).toBe(404);
      }
    });
  });
});
