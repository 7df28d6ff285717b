import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, password, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createPersonalToken, daysFromNow, withToken } from '../helpers/tokens.js';

const report = { version: '2.1.0', runs: [{ tool: { driver: { name: 'probe' } }, results: [] }] };
const basic = (login: string, secret: string) =>
  `Basic ${Buffer.from(`${login}:${secret}`).toString('base64')}`;

describeEachEngine('narrowed personal access tokens', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  let other: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
    other = await t.createOrg(root, { orgAdmin: admin });
    for (const key of ['backend', 'frontend']) {
      for (const o of [org, other]) {
        await t.request(admin, {
          method: 'POST',
          url: `/api/v1/orgs/${o.key}/projects`,
          payload: { key, name: key },
        });
      }
    }
  });
  afterAll(() => t.close());

  const upload = (secret: string, orgKey: string, projectKey: string) =>
    withToken(t, secret, {
      method: 'POST',
      url: `/api/v1/orgs/${orgKey}/projects/${projectKey}/analyses?format=sarif`,
      payload: report,
    });
  const code = (response: { json(): unknown }) =>
    (response.json() as { error?: { code: string } }).error?.code;

  it('creates a token narrowed to a permission, an organization and its projects', async () => {
    const created = await createPersonalToken(t, admin, {
      permissions: ['analysis:execute'],
      org: org.key,
      projects: { mode: 'selected', keys: ['backend'] },
    });
    expect(created.body).toMatchObject({
      permissions: ['analysis:execute'],
      org: org.key,
      projects: { mode: 'selected', keys: ['backend'], patterns: [] },
    });
    const listed = await t.request(admin, { url: '/api/v1/user/tokens' });
    expect(listed.json().items[0]).toMatchObject({ id: created.id, org: org.key });
    const plain = await createPersonalToken(t, admin);
    expect(plain.body).toMatchObject({ permissions: null, org: null, projects: null });
  });

  it('acts within its narrowing only, never with the rest of its user rights', async () => {
    const { token } = await createPersonalToken(t, admin, {
      permissions: ['analysis:execute'],
      org: org.key,
      projects: { mode: 'selected', keys: ['backend'] },
    });
    expect((await upload(token, org.key, 'backend')).statusCode).toBe(201);
    expect(code(await upload(token, org.key, 'frontend'))).toBe('PROJECT_OUT_OF_SCOPE');
    // Another organization of the same user does not exist for this token.
    expect(code(await upload(token, other.key, 'backend'))).toBe('NOT_FOUND');
    expect(code(await withToken(t, token, { url: `/api/v1/orgs/${other.key}` }))).toBe('NOT_FOUND');
    const read = await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects/backend` });
    expect(code(read)).toBe('PERMISSION_DENIED');
    const before = await storeDigest(t.store);
    const refusals = [
      { method: 'POST', url: `/api/v1/orgs/${org.key}/projects`, payload: { key: 'x', name: 'x' } },
      { method: 'GET', url: `/api/v1/orgs/${org.key}/members` },
      { method: 'GET', url: `/api/v1/orgs/${org.key}/audit-events` },
      {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/projects/backend/quality-gate`,
        payload: { maxErrors: 5, maxWarnings: null },
      },
      { method: 'DELETE', url: `/api/v1/orgs/${org.key}/projects/frontend` },
    ] as const;
    for (const r of refusals) {
      const response = await withToken(t, token, r);
      expect(response.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    expect(await storeDigest(t.store)).toBe(before);
  });

  it('narrowed to project:browse reads projects in scope and uploads nothing', async () => {
    const { token } = await createPersonalToken(t, admin, {
      permissions: ['project:browse'],
      org: org.key,
      projects: { mode: 'selected', patterns: ['back*'] },
    });
    const listed = await withToken(t, token, { url: `/api/v1/orgs/${org.key}/projects` });
    expect(listed.json().items.map((p: { key: string }) => p.key)).toEqual(['backend']);
    expect(code(await upload(token, org.key, 'backend'))).toBe('PERMISSION_DENIED');
  });

  it('lists only the organization it is narrowed to', async () => {
    const { token } = await createPersonalToken(t, admin, { org: org.key });
    const listed = await withToken(t, token, { url: '/api/v1/orgs' });
    expect(listed.json().items.map((o: { key: string }) => o.key)).toEqual([org.key]);
    // An instance admin's token narrowed to a permission lists its user's memberships, not
    // every organization of the instance.
    const narrowedRoot = await createPersonalToken(t, root, { permissions: ['project:browse'] });
    const rootListed = await withToken(t, narrowedRoot.token, { url: '/api/v1/orgs' });
    expect(rootListed.json().items).toEqual([]);
    const plainRoot = await createPersonalToken(t, root);
    const all = await withToken(t, plainRoot.token, { url: '/api/v1/orgs' });
    expect(all.json().items.length).toBeGreaterThanOrEqual(2);
  });

  it('lists a scoped project page with a few queries, however many projects do not match', async () => {
    const many = await t.createOrg(root, { orgAdmin: admin });
    for (let i = 0; i < 60; i += 1) {
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${many.key}/projects`,
        payload: { key: `svc-${String(i).padStart(2, '0')}`, name: `svc ${i}` },
      });
    }
    const { token } = await createPersonalToken(t, admin, {
      permissions: ['project:browse'],
      org: many.key,
      projects: { mode: 'selected', keys: ['svc-59'], patterns: ['SVC-5*', 'none-*'] },
    });
    const before = t.queries.count;
    const page = await withToken(t, token, { url: `/api/v1/orgs/${many.key}/projects?limit=1` });
    const queries = t.queries.count - before;
    expect(page.json().items.map((p: { key: string }) => p.key)).toEqual(['svc-59']);
    // Before the store filtered by scope, this read the organization 2 rows at a time.
    expect(queries).toBeLessThan(8);
  });

  it("of an instance admin, never does an instance admin's work", async () => {
    const { token } = await createPersonalToken(t, root, { permissions: ['analysis:execute'] });
    expect(code(await withToken(t, token, { url: '/api/v1/users' }))).toBe('FORBIDDEN');
    const created = await withToken(t, token, {
      method: 'POST',
      url: '/api/v1/orgs',
      payload: { key: 'narrowed-org', name: 'N', plan: 'team' },
    });
    expect(created.statusCode).toBe(403);
  });

  it('never widens: it ends with its user membership', async () => {
    const member = await t.newSession();
    await t.addMember(admin, org.key, member.user.id, 'member');
    const { token } = await createPersonalToken(t, member, {
      permissions: ['analysis:execute', 'project:browse'],
      org: org.key,
    });
    expect((await upload(token, org.key, 'frontend')).statusCode).toBe(201);
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/members/${member.user.id}`,
    });
    expect(code(await upload(token, org.key, 'frontend'))).toBe('NOT_FOUND');
  });

  it('refuses narrowing it cannot honour, and stores nothing', async () => {
    const outsider = await t.newSession();
    const before = await storeDigest(t.store);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ projects: { mode: 'all' } }, 400, '/body/projects'],
      [
        { org: org.key, projects: { mode: 'selected', keys: ['missing'] } },
        400,
        '/body/projects/keys/0',
      ],
      [{ permissions: ['project:provision'] }, 400, '/body/permissions/0'],
      [{ permissions: [] }, 400, '/body/permissions'],
      [{ org: 'Bad Key' }, 400, '/body/org'],
    ];
    for (const [narrowing, status, field] of cases) {
      const response = await t.request(admin, {
        method: 'POST',
        url: '/api/v1/user/tokens',
        payload: { name: 'narrow', expiresAt: daysFromNow(t, 30), ...narrowing },
      });
      expect(response.statusCode, JSON.stringify(narrowing)).toBe(status);
      expect(response.json().error.field, JSON.stringify(narrowing)).toBe(field);
    }
    // An organization the user cannot see is not found, as everywhere.
    const hidden = await t.request(outsider, {
      method: 'POST',
      url: '/api/v1/user/tokens',
      payload: { name: 'narrow', expiresAt: daysFromNow(t, 30), org: org.key },
    });
    expect(hidden.statusCode).toBe(404);
    expect(await storeDigest(t.store)).toBe(before);
  });

  it('maps SonarQube token types to narrowed tokens', async () => {
    const generate = (query: string) =>
      t.request(null, {
        method: 'POST',
        url: `/api/user_tokens/generate?${query}`,
        headers: { authorization: basic(root.user.email, password) },
      });
    const plain = await generate('name=sq-user');
    expect(plain.json()).toMatchObject({ type: 'USER_TOKEN' });
    expect((await withToken(t, plain.json().token, { url: '/api/v1/users' })).statusCode).toBe(200);

    const global = await generate('name=sq-global&type=GLOBAL_ANALYSIS_TOKEN');
    expect(global.json()).toMatchObject({ type: 'GLOBAL_ANALYSIS_TOKEN' });
    const globalToken = global.json().token as string;
    expect((await upload(globalToken, other.key, 'frontend')).statusCode).toBe(201);
    expect(code(await withToken(t, globalToken, { url: '/api/v1/users' }))).toBe('FORBIDDEN');

    // The case an outside review found: a script asks for a project analysis token and must
    // not receive an instance admin's full token.
    const project = await generate(
      `name=sq-project&type=PROJECT_ANALYSIS_TOKEN&projectKey=backend&organization=${org.key}`,
    );
    expect(project.statusCode).toBe(200);
    expect(project.json()).toMatchObject({
      type: 'PROJECT_ANALYSIS_TOKEN',
      projectKey: 'backend',
      organization: org.key,
    });
    const projectToken = project.json().token as string;
    expect((await upload(projectToken, org.key, 'backend')).statusCode).toBe(201);
    expect(code(await upload(projectToken, org.key, 'frontend'))).toBe('PROJECT_OUT_OF_SCOPE');
    expect(code(await upload(projectToken, other.key, 'backend'))).toBe('NOT_FOUND');
    expect(code(await withToken(t, projectToken, { url: '/api/v1/users' }))).toBe('FORBIDDEN');
  });

  it('refuses SonarQube parameters it would otherwise ignore, and stores nothing', async () => {
    const before = await storeDigest(t.store);
    const cases: Array<[string, string]> = [
      [`name=a&type=PROJECT_ANALYSIS_TOKEN&organization=${org.key}`, '/querystring/projectKey'],
      ['name=a&type=PROJECT_ANALYSIS_TOKEN&projectKey=backend', '/querystring/organization'],
      ['name=a&type=SUPER_TOKEN', '/querystring/type'],
      ['name=a&login=someone-else@example.test', '/querystring/login'],
      ['name=a&projectKey=backend', '/querystring/projectKey'],
      ['name=a&permissions=all', '/querystring/permissions'],
    ];
    for (const [query, field] of cases) {
      const response = await t.request(null, {
        method: 'POST',
        url: `/api/user_tokens/generate?${query}`,
        headers: { authorization: basic(root.user.email, password) },
      });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.field, query).toBe(field);
    }
    // The same through a form body.
    const form = await t.request(null, {
      method: 'POST',
      url: '/api/user_tokens/generate',
      headers: {
        authorization: basic(root.user.email, password),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'name=a&type=PROJECT_ANALYSIS_TOKEN&projectKey=backend',
    });
    expect(form.statusCode).toBe(400);
    expect(form.json().error.field).toBe('/querystring/organization');
    // The same parameter in the query and the body would leave one unread.
    const twice = await t.request(null, {
      method: 'POST',
      url: '/api/user_tokens/generate?type=GLOBAL_ANALYSIS_TOKEN',
      headers: {
        authorization: basic(root.user.email, password),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'name=a&type=USER_TOKEN',
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.field).toBe('/querystring/type');
    expect(await storeDigest(t.store)).toBe(before);
    // The caller's own login, in any case, is what SonarQube scripts send: accepted.
    const own = await t.request(null, {
      method: 'POST',
      url: `/api/user_tokens/generate?name=own-login&login=${encodeURIComponent(root.user.email.toUpperCase())}`,
      headers: { authorization: basic(root.user.email, password) },
    });
    expect(own.statusCode).toBe(200);
  });
});
