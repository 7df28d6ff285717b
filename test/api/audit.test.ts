import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, password, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';

describeEachEngine('audit events', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
    for (const key of ['one', 'two', 'three']) {
      t.clock.advance(1000);
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key, name: key },
        headers: { 'user-agent': 'audit-test/1.0' },
      });
    }
  });
  afterAll(() => t.close());

  const list = (query = '') =>
    t.request(admin, { method: 'GET', url: `/api/v1/orgs/${org.key}/audit-events${query}` });

  describe('happy path', () => {
    it('lists events newest first with actor, target, ip and user agent', async () => {
      const response = await list();
      expect(response.statusCode).toBe(200);
      const items = response.json().items;
      expect(items.map((e: { action: string }) => e.action)).toEqual([
        'project.created',
        'project.created',
        'project.created',
        'member.added',
        'org.created',
      ]);
      expect(items[0]).toMatchObject({
        actor: { type: 'user', id: admin.user.id, name: admin.user.name },
        target: { type: 'project', name: 'three' },
        ip: '127.0.0.1',
        userAgent: 'audit-test/1.0',
        details: {},
      });
    });

    it('filters by action and by time', async () => {
      const byAction = (await list('?action=member.added')).json().items;
      expect(byAction).toHaveLength(1);
      const all = (await list()).json().items;
      const since = all[1].at;
      const recent = (await list(`?since=${encodeURIComponent(since)}`)).json().items;
      expect(recent.map((e: { target: { name: string } }) => e.target.name)).toEqual([
        'three',
        'two',
      ]);
      const older = (
        await list(`?until=${encodeURIComponent(since)}&action=project.created`)
      ).json().items;
      expect(older.map((e: { target: { name: string } }) => e.target.name)).toEqual(['one']);
    });

    it('pages with a cursor without skipping or repeating events', async () => {
      const all = (await list()).json().items.map((e: { id: string }) => e.id);
      const seen: string[] = [];
      let query = '?limit=2';
      for (let i = 0; i < 10; i += 1) {
        const body = (await list(query)).json();
        seen.push(...body.items.map((e: { id: string }) => e.id));
        if (!body.nextCursor) break;
        query = `?limit=2&cursor=${body.nextCursor}`;
      }
      expect(seen).toEqual(all);
    });
  });

  describe('errors', () => {
    it.each([
      ['?cursor=not-a-cursor', '/querystring/cursor'],
      ['?limit=0', '/querystring/limit'],
      ['?limit=201', '/querystring/limit'],
      ['?since=yesterday', '/querystring/since'],
      ['?action=DROP%20TABLE', '/querystring/action'],
      ['?unknown=1', '/querystring/unknown'],
    ])('refuses %s', async (query, field) => {
      const response = await list(query);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    });
  });

  describe('security', () => {
    it('is for org admins only: 403 for a member, 404 for an outsider', async () => {
      const member = await t.newSession();
      await t.addMember(admin, org.key, member.user.id, 'member');
      const outsider = await t.newSession();
      const url = `/api/v1/orgs/${org.key}/audit-events`;
      expect((await t.request(member, { method: 'GET', url })).statusCode).toBe(403);
      expect((await t.request(outsider, { method: 'GET', url })).statusCode).toBe(404);
      expect((await t.request(null, { method: 'GET', url })).statusCode).toBe(401);
    });

    it('offers no route that changes or deletes an audit event', async () => {
      const event = (await list()).json().items[0];
      for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
        const response = await t.request(admin, {
          method,
          url: `/api/v1/orgs/${org.key}/audit-events/${event.id}`,
          payload: {},
        });
        expect(response.statusCode).toBe(404);
      }
    });
  });
});

describeEachEngine('audit export', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'enterprise' });
    // A name a spreadsheet would run as a formula, with a comma and a quote for RFC 4180.
    await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key: 'p1', name: '=HYPERLINK("x"), evil' },
    });
    for (let i = 0; i < 1200; i += 1) {
      await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}/projects/p1`,
        payload: { name: `name ${i}` },
      });
    }
  });
  afterAll(() => t.close());

  it('streams the whole filtered log as NDJSON, newest first, past the page size', async () => {
    const response = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/audit-events?format=ndjson&action=project.updated`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1200);
    expect(lines[0].details.name.to).toBe('name 1199');
    expect(lines.at(-1).details.name.to).toBe('name 0');
    expect(new Set(lines.map((l: { id: string }) => l.id)).size).toBe(1200);
  });

  it('streams CSV with quoting and no spreadsheet formulas', async () => {
    const response = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/audit-events?format=csv&action=project.created`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, row, end] = response.body.split('\r\n');
    expect(header).toBe(
      'id,at,action,actor_type,actor_id,actor_name,target_type,target_id,target_name,ip,user_agent,details',
    );
    expect(row).toContain(',project.created,user,');
    expect(end).toBe('');
    const project = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/audit-events?format=csv&action=project.updated&limit=1`,
    });
    expect(project.body).toContain(
      '"{""name"":{""from"":""=HYPERLINK(\\""x\\""), evil"",""to"":""name 0""}}"',
    );
    const made = await t.request(root, {
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'formula@example.test', name: '=2+5', password: 'a long password here' },
    });
    await t.addMember(root, org.key, made.json().id, 'admin');
    const formula = await t.signIn('formula@example.test', 'a long password here');
    await t.request(formula, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key: 'p2', name: 'P2' },
    });
    const csv = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/audit-events?format=csv&action=project.created`,
    });
    expect(csv.body).toContain(`,user,${made.json().id},'=2+5,project,`);
  });

  it('needs the enterprise plan (PLAN_REQUIRED) and an org admin', async () => {
    const team = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    const refused = await t.request(admin, {
      method: 'GET',
      url: `/api/v1/orgs/${team.key}/audit-events?format=ndjson`,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('PLAN_REQUIRED');
    const member = await t.newSession();
    await t.addMember(admin, org.key, member.user.id, 'member');
    const forbidden = await t.request(member, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/audit-events?format=csv`,
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('FORBIDDEN');
  });
});

describeEachEngine('instance audit log', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let made: { id: string; email: string };
  let org: { key: string; id: string };
  beforeAll(async () => {
    t = await createTestApp(engine);
    const code = await t.setup.start(null);
    const setup = await t.request(null, {
      method: 'POST',
      url: '/api/v1/setup',
      payload: { code, email: 'first@example.test', name: 'First', password },
    });
    if (setup.statusCode !== 201) throw new Error(`setup failed: ${setup.body}`);
    root = await t.signIn('first@example.test');
    t.clock.advance(1000);
    const user = await t.request(root, {
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'made@example.test', name: 'Made', password },
    });
    made = user.json();
    t.clock.advance(1000);
    org = await t.createOrg(root, { plan: 'free' });
    t.clock.advance(1000);
    await t.request(root, {
      method: 'PATCH',
      url: `/api/v1/orgs/${org.key}`,
      payload: { plan: 'team' },
    });
    t.clock.advance(1000);
    await t.request(root, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects`,
      payload: { key: 'inside', name: 'Inside' },
    });
    t.clock.advance(1000);
    await t.request(root, {
      method: 'PATCH',
      url: `/api/v1/users/${made.id}`,
      payload: { active: false },
    });
  });
  afterAll(() => t.close());

  const list = (query = '', session: TestSession | null = root) =>
    t.request(session, { method: 'GET', url: `/api/v1/audit-events${query}` });
  const actions = (items: Array<{ action: string }>) => items.map((e) => e.action);

  it('lists user administration, organizations and plans newest first, nothing of an organization', async () => {
    const response = await list();
    expect(response.statusCode).toBe(200);
    const items = response.json().items;
    expect(actions(items)).toEqual([
      'user.deactivated',
      'plan.changed',
      'org.created',
      'user.created',
      // The first admin: created, then granted, in one transaction at the same instant.
      ...actions(items.slice(4)),
    ]);
    expect(actions(items.slice(4)).sort()).toEqual(['user.created', 'user.instance_admin_granted']);
    expect(items[0]).toMatchObject({
      actor: { type: 'user', id: root.user.id, name: 'First' },
      target: { type: 'user', id: made.id, name: 'made@example.test' },
      details: {},
    });
    expect(items[1]).toMatchObject({
      target: { type: 'organization', id: org.id, name: org.key },
      details: { from: 'free', to: 'team' },
    });
  });

  it('records the first admin of first-run setup as created by the server itself', async () => {
    const items = (await list('?action=user.created')).json().items;
    expect(items.at(-1)).toMatchObject({
      actor: { type: 'system', id: null, name: 'first-run setup' },
      target: { type: 'user', id: root.user.id, name: 'first@example.test' },
      ip: '127.0.0.1',
      details: { instanceAdmin: true },
    });
  });

  it('records the configured admin (ORGTOKEN_ADMIN_EMAIL) as created by the server itself', async () => {
    const boot = await createTestApp(engine);
    try {
      await boot.setup.start({ email: 'boot@example.test', password });
      const session = await boot.signIn('boot@example.test');
      const items = (
        await boot.request(session, { method: 'GET', url: '/api/v1/audit-events' })
      ).json().items;
      expect(actions(items).sort()).toEqual(['user.created', 'user.instance_admin_granted']);
      expect(items[0]).toMatchObject({
        actor: { type: 'system', id: null, name: 'ORGTOKEN_ADMIN_EMAIL' },
        target: { id: session.user.id },
        ip: null,
      });
    } finally {
      await boot.close();
    }
  });

  it("keeps user administration out of the organization's log", async () => {
    const response = await t.request(root, {
      method: 'GET',
      url: `/api/v1/orgs/${org.key}/audit-events`,
    });
    expect(actions(response.json().items)).toEqual([
      'project.created',
      'plan.changed',
      'org.created',
    ]);
  });

  it('filters by action and time, and pages without skipping or repeating', async () => {
    expect(actions((await list('?action=plan.changed')).json().items)).toEqual(['plan.changed']);
    const all = (await list()).json().items;
    const since = encodeURIComponent(all[2].at);
    expect(actions((await list(`?since=${since}`)).json().items)).toEqual([
      'user.deactivated',
      'plan.changed',
      'org.created',
    ]);
    expect(actions((await list(`?until=${since}&action=user.created`)).json().items)).toEqual([
      'user.created',
      'user.created',
    ]);
    const seen: string[] = [];
    let query = '?limit=2';
    for (let i = 0; i < 10; i += 1) {
      const body = (await list(query)).json();
      seen.push(...body.items.map((e: { id: string }) => e.id));
      if (!body.nextCursor) break;
      query = `?limit=2&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual(all.map((e: { id: string }) => e.id));
  });

  it.each([
    ['?cursor=not-a-cursor', '/querystring/cursor'],
    ['?since=yesterday', '/querystring/since'],
    ['?action=DROP%20TABLE', '/querystring/action'],
    ['?format=csv', '/querystring/format'],
  ])('refuses %s', async (query, field) => {
    const response = await list(query);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  it('is for instance admins only: 403 for an org admin, 401 without credentials', async () => {
    const orgAdmin = await t.newSession();
    await t.addMember(root, org.key, orgAdmin.user.id, 'admin');
    const refused = await list('', orgAdmin);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('FORBIDDEN');
    expect((await list('', null)).statusCode).toBe(401);
  });
});
