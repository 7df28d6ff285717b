import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { createOrgToken, createPersonalToken, withToken } from '../helpers/tokens.js';

// A token's read of one project costs no store query once its verification is cached and it
// read the project before (src/runtime/verified-reads.ts). Nothing it remembers may outlive
// the change that ends it: each of these reads comes right after the change, on the same
// instance, with the clock unmoved.
describeEachEngine('authorized project reads without a stale answer', (engine) => {
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

  const newProject = async (
    orgKey = org.key,
    key = `p-${Math.random().toString(36).slice(2, 8)}`,
  ) => {
    const created = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${orgKey}/projects`,
      payload: { key, name: `Project ${key}` },
    });
    expect(created.statusCode).toBe(201);
    return created.json() as { id: string; key: string; name: string };
  };
  const read = (secret: string, projectKey: string, orgKey = org.key) =>
    withToken(t, secret, { url: `/api/v1/orgs/${orgKey}/projects/${projectKey}` });
  const code = (response: { json(): unknown }) =>
    (response.json() as { error?: { code: string } }).error?.code;
  const queriesDuring = async (work: () => Promise<unknown>) => {
    const before = t.queries.count;
    await work();
    return t.queries.count - before;
  };

  it('reads a project it read before without any store query, and a new one with one', async () => {
    const first = await newProject();
    const second = await newProject();
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await read(token, first.key)).statusCode).toBe(200);
    expect(await queriesDuring(() => read(token, first.key))).toBe(0);
    expect(await queriesDuring(() => read(token, second.key))).toBe(1);
    expect((await read(token, second.key)).json()).toMatchObject({ id: second.id });
  });

  it('answers 404 for a deleted project at once, to the token that read it', async () => {
    const project = await newProject();
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await read(token, project.key)).statusCode).toBe(200);
    expect((await read(token, project.key)).statusCode).toBe(200);
    const deleted = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/projects/${project.key}`,
    });
    expect(deleted.statusCode).toBe(204);
    const after = await read(token, project.key);
    expect(after.statusCode).toBe(404);
    expect(code(after)).toBe('NOT_FOUND');
  });

  it('finds a project recreated under a deleted one’s key as the new project', async () => {
    const project = await newProject();
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await read(token, project.key)).json()).toMatchObject({ id: project.id });
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/projects/${project.key}`,
    });
    const again = await newProject(org.key, project.key);
    expect(again.id).not.toBe(project.id);
    expect((await read(token, project.key)).json()).toMatchObject({ id: again.id });
  });

  it('shows a renamed project’s new name at once', async () => {
    const project = await newProject();
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await read(token, project.key)).json()).toMatchObject({ name: project.name });
    const renamed = await t.request(admin, {
      method: 'PATCH',
      url: `/api/v1/orgs/${org.key}/projects/${project.key}`,
      payload: { name: 'Renamed' },
    });
    expect(renamed.statusCode).toBe(200);
    expect((await read(token, project.key)).json()).toMatchObject({ name: 'Renamed' });
  });

  it('finds a project created after a read found nothing, at once', async () => {
    const { token } = await createOrgToken(t, admin, org.key);
    const key = `later-${Math.random().toString(36).slice(2, 8)}`;
    expect((await read(token, key)).statusCode).toBe(404);
    const project = await newProject(org.key, key);
    expect((await read(token, key)).json()).toMatchObject({ id: project.id });
  });

  it('refuses the token at once when its organization’s plan no longer includes organization tokens', async () => {
    const own = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    const project = await newProject(own.key);
    const { token } = await createOrgToken(t, admin, own.key);
    expect((await read(token, project.key, own.key)).statusCode).toBe(200);
    expect((await read(token, project.key, own.key)).statusCode).toBe(200);
    const downgraded = await t.request(root, {
      method: 'PATCH',
      url: `/api/v1/orgs/${own.key}`,
      payload: { plan: 'free' },
    });
    expect(downgraded.statusCode).toBe(200);
    const after = await read(token, project.key, own.key);
    expect(after.statusCode).toBe(403);
    expect(code(after)).toBe('PLAN_REQUIRED');
  });

  it('refuses a project taken out of the token’s scope at once', async () => {
    const project = await newProject();
    const created = await createOrgToken(t, admin, org.key);
    expect((await read(created.token, project.key)).statusCode).toBe(200);
    const edited = await t.request(admin, {
      method: 'PATCH',
      url: `/api/v1/orgs/${org.key}/tokens/${created.id}`,
      payload: { projects: { mode: 'selected', keys: [], patterns: ['none-*'] } },
    });
    expect(edited.statusCode).toBe(200);
    expect(code(await read(created.token, project.key))).toBe('PROJECT_OUT_OF_SCOPE');
  });

  it('never answers with the same key’s project of another organization', async () => {
    const other = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    const key = `shared-${Math.random().toString(36).slice(2, 8)}`;
    const ours = await newProject(org.key, key);
    await newProject(other.key, key);
    const { token } = await createOrgToken(t, admin, org.key);
    expect((await read(token, key)).json()).toMatchObject({ id: ours.id });
    expect((await read(token, key, other.key)).statusCode).toBe(404);
  });

  it('refuses a narrowed personal access token at once when its user leaves the organization', async () => {
    const project = await newProject();
    const person = await t.newSession();
    await t.addMember(admin, org.key, person.user.id, 'member');
    const { token } = await createPersonalToken(t, person, {
      permissions: ['project:browse'],
      org: org.key,
      projects: { mode: 'all' },
    });
    expect((await read(token, project.key)).statusCode).toBe(200);
    expect((await read(token, project.key)).statusCode).toBe(200);
    const removed = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/members/${person.user.id}`,
    });
    expect(removed.statusCode).toBe(204);
    const after = await read(token, project.key);
    expect(after.statusCode).toBe(404);
    expect(code(after)).toBe('NOT_FOUND');
  });

  it('refuses a personal access token at once when its user leaves the organization, with its role read afresh', async () => {
    const project = await newProject();
    const person = await t.newSession();
    await t.addMember(admin, org.key, person.user.id, 'member');
    const { token } = await createPersonalToken(t, person);
    expect((await read(token, project.key)).statusCode).toBe(200);
    // A person's read asks the store every time: its membership is never remembered.
    expect(await queriesDuring(() => read(token, project.key))).toBe(1);
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/members/${person.user.id}`,
    });
    expect((await read(token, project.key)).statusCode).toBe(404);
  });
});
