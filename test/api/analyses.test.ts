import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/domain/pagination.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { countSarif, eslintToGeneric, lintFixture, type RealReports } from '../helpers/reports.js';
import { createOrgToken, withToken } from '../helpers/tokens.js';

let reports: RealReports;
beforeAll(async () => {
  reports = await lintFixture();
}, 60_000);

describeEachEngine('analyses', (engine) => {
  let t: TestApp;
  let root: TestSession;
  let admin: TestSession;
  let org: { key: string; id: string };
  let ci: string;
  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'team' });
    for (const key of ['web', 'api', 'other']) {
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key, name: key },
      });
    }
    ci = (
      await createOrgToken(t, admin, org.key, {
        permissions: ['analysis:execute', 'project:browse'],
        projects: { mode: 'selected', keys: ['web', 'api'] },
      })
    ).token;
  });
  afterAll(() => t.close());

  const upload = (secret: string, project: string, query: string, report: unknown) =>
    withToken(t, secret, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects/${project}/analyses?${query}`,
      payload: typeof report === 'string' ? JSON.parse(report) : report,
    });

  const countRows = async (table: 'analyses' | 'analysis_issues') =>
    Number(
      (
        await t.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('happy path', () => {
    it.each([
      ['ESLint', () => reports.eslintSarif, 'ESLint'],
      ['Biome', () => reports.biomeSarif, 'Biome'],
    ])(
      'ingests SARIF written by %s and stores the counts computed from the file',
      async (_, file, tool) => {
        const expected = countSarif(file());
        expect(expected.total).toBeGreaterThan(0);
        const response = await upload(
          ci,
          'web',
          'format=sarif&branch=main&commit=0a1b2c3d',
          file(),
        );
        expect(response.statusCode, response.body).toBe(201);
        const body = response.json();
        expect(body).toMatchObject({
          projectKey: 'web',
          branch: 'main',
          commit: '0a1b2c3d',
          format: 'sarif',
          tools: [tool],
          summary: expected,
          submittedBy: { type: 'organization_token' },
        });
        // The default gate: no error allowed.
        expect(body.qualityGate).toEqual({
          status: expected.errors === 0 ? 'passed' : 'failed',
          conditions: [
            {
              metric: 'errors',
              threshold: 0,
              actual: expected.errors,
              passed: expected.errors === 0,
            },
          ],
        });
        const stored = await t.store.db
          .selectFrom('analysis_issues')
          .select(['level'])
          .where('analysis_id', '=', body.id)
          .execute();
        expect(stored).toHaveLength(expected.total);
        expect(stored.filter((i) => i.level === 'error')).toHaveLength(expected.errors);
        expect(stored.filter((i) => i.level === 'warning')).toHaveLength(expected.warnings);
      },
    );

    it('ingests the generic issue format converted from ESLint output', async () => {
      const generic = eslintToGeneric(reports.eslintJson);
      const response = await upload(ci, 'api', 'format=generic', generic);
      expect(response.statusCode, response.body).toBe(201);
      const sarifCounts = countSarif(reports.eslintSarif);
      // The same ESLint findings, seen through the other format.
      expect(response.json().summary).toEqual(sarifCounts);
      expect(response.json().tools).toEqual(['eslint']);
    });

    it('judges analyses by the project quality gate as it is when they arrive', async () => {
      const gate = await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/projects/api/quality-gate`,
        payload: { maxErrors: 100, maxWarnings: 1 },
      });
      expect(gate.statusCode).toBe(200);
      const response = await upload(ci, 'api', 'format=sarif', reports.eslintSarif);
      const counts = countSarif(reports.eslintSarif);
      expect(response.json().qualityGate).toEqual({
        status: counts.warnings <= 1 ? 'passed' : 'failed',
        conditions: [
          { metric: 'errors', threshold: 100, actual: counts.errors, passed: true },
          {
            metric: 'warnings',
            threshold: 1,
            actual: counts.warnings,
            passed: counts.warnings <= 1,
          },
        ],
      });
      await t.request(admin, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/projects/api/quality-gate`,
        payload: { maxErrors: null, maxWarnings: null },
      });
      const open = await upload(ci, 'api', 'format=sarif', reports.eslintSarif);
      expect(open.json().qualityGate).toEqual({ status: 'passed', conditions: [] });
      const read = await withToken(t, ci, {
        url: `/api/v1/orgs/${org.key}/projects/api/quality-gate`,
      });
      expect(read.json()).toEqual({ maxErrors: null, maxWarnings: null });
    });

    it('lists analyses newest first, shows one, and pages its issues by level and rule', async () => {
      const posted = (await upload(ci, 'web', 'format=sarif', reports.eslintSarif)).json();
      const list = await withToken(t, ci, { url: `/api/v1/orgs/${org.key}/projects/web/analyses` });
      expect(list.json().items[0].id).toBe(posted.id);
      const one = await withToken(t, ci, {
        url: `/api/v1/orgs/${org.key}/projects/web/analyses/${posted.id}`,
      });
      expect(one.json()).toEqual(posted);
      const base = `/api/v1/orgs/${org.key}/projects/web/analyses/${posted.id}/issues`;
      const seen: Array<{ level: string; rule: string; file: string; line: number }> = [];
      let url = `${base}?limit=3`;
      for (let i = 0; i < 20; i += 1) {
        const page = (await withToken(t, ci, { url })).json();
        seen.push(...page.items);
        if (!page.nextCursor) break;
        url = `${base}?limit=3&cursor=${page.nextCursor}`;
      }
      expect(seen).toHaveLength(posted.summary.total);
      expect(seen[0]).toMatchObject({
        tool: 'ESLint',
        file: expect.stringMatching(/\.js$/),
        line: expect.any(Number),
      });
      const errors = (await withToken(t, ci, { url: `${base}?level=error&limit=200` })).json()
        .items;
      expect(errors).toHaveLength(posted.summary.errors);
      const rule = seen[0]?.rule ?? '';
      const byRule = (
        await withToken(t, ci, { url: `${base}?rule=${encodeURIComponent(rule)}&limit=200` })
      ).json();
      expect(byRule.items.every((i: { rule: string }) => i.rule === rule)).toBe(true);
      expect(byRule.items.length).toBe(seen.filter((i) => i.rule === rule).length);
      // A cursor whose position is beyond the column, or not a plain integer, is refused on
      // every engine, never handed to the store (PostgreSQL answered it with a 500).
      for (const position of ['1e300', '99999999999', '2147483648', '-1', '1.5', '01']) {
        const page = await withToken(t, ci, {
          url: `${base}?cursor=${encodeCursor([position])}`,
        });
        expect(page.statusCode, position).toBe(400);
        expect(page.json().error.field, position).toBe('/querystring/cursor');
      }
    });

    it('records analysis.created in the audit log', async () => {
      const posted = (await upload(ci, 'web', 'format=sarif', reports.biomeSarif)).json();
      const events = await t.store.db
        .selectFrom('audit_events')
        .select(['action', 'details', 'actor_type'])
        .where('org_id', '=', org.id)
        .where('action', '=', 'analysis.created')
        .execute();
      const event = events.find((e) => JSON.parse(e.details).analysisId === posted.id);
      expect(event?.actor_type).toBe('organization_token');
    });

    it('lets a member upload with a session or a personal access token', async () => {
      const member = await t.newSession();
      await t.addMember(admin, org.key, member.user.id, 'member');
      const response = await t.request(member, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects/other/analyses?format=sarif`,
        payload: JSON.parse(reports.biomeSarif),
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().submittedBy).toMatchObject({ type: 'user', id: member.user.id });
    });
  });

  describe('project:provision', () => {
    it('creates an unknown project for a token with provision and every project in scope', async () => {
      const { token } = await createOrgToken(t, admin, org.key, {
        permissions: ['analysis:execute', 'project:provision'],
        projects: { mode: 'all' },
      });
      const response = await upload(token, 'brand-new', 'format=sarif', reports.eslintSarif);
      expect(response.statusCode).toBe(201);
      const project = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/projects/brand-new`,
      });
      expect(project.json()).toMatchObject({ key: 'brand-new', name: 'brand-new' });
    });

    it('answers 404 for an unknown project without provision, or with a selected scope', async () => {
      const without = await createOrgToken(t, admin, org.key, {
        permissions: ['analysis:execute'],
        projects: { mode: 'all' },
      });
      const selected = await createOrgToken(t, admin, org.key, {
        permissions: ['analysis:execute', 'project:provision'],
        projects: { mode: 'selected', patterns: ['ghost-*'] },
      });
      for (const token of [without.token, selected.token]) {
        const response = await upload(token, 'ghost-project', 'format=sarif', reports.eslintSarif);
        expect(response.statusCode).toBe(404);
      }
      const rows = await t.store.db
        .selectFrom('projects')
        .select('id')
        .where('key', '=', 'ghost-project')
        .execute();
      expect(rows).toEqual([]);
    });
  });

  describe('errors', () => {
    it.each([
      [{ version: '2.0.0', runs: [] }, '/body/version', 'version must be "2.1.0"'],
      [{ version: '2.1.0' }, '/body/runs', 'runs must be an array'],
      [
        { version: '2.1.0', runs: [{ tool: {} }] },
        '/body/runs/0/tool/driver',
        'runs[0].tool.driver must be an object',
      ],
      [
        {
          version: '2.1.0',
          runs: [
            {
              tool: { driver: { name: 'x' } },
              results: [
                { message: { text: 'ok' } },
                { message: { text: 'ok' } },
                { message: { text: 'ok' } },
                { level: 'fatal', message: { text: 'bad' } },
              ],
            },
          ],
        },
        '/body/runs/0/results/3/level',
        'runs[0].results[3].level must be one of none, note, warning, error',
      ],
      [
        {
          version: '2.1.0',
          runs: [{ tool: { driver: { name: 'x' } }, results: [{ level: 'error' }] }],
        },
        '/body/runs/0/results/0/message',
        'runs[0].results[0].message must be an object',
      ],
    ])(
      'refuses an invalid SARIF report, naming the place, and stores nothing (%#)',
      async (report, field, message) => {
        const before = [await countRows('analyses'), await countRows('analysis_issues')];
        const response = await upload(ci, 'web', 'format=sarif', report);
        expect(response.statusCode).toBe(400);
        expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field, message });
        expect([await countRows('analyses'), await countRows('analysis_issues')]).toEqual(before);
      },
    );

    it('refuses an invalid generic report, naming the place', async () => {
      const response = await upload(ci, 'web', 'format=generic', {
        issues: [
          {
            engineId: 'x',
            ruleId: 'r',
            severity: 'MAJOR',
            primaryLocation: { message: 'm', filePath: 'a.js' },
          },
          {
            engineId: 'x',
            ruleId: 'r',
            severity: 'SEVERE',
            primaryLocation: { message: 'm', filePath: 'a.js' },
          },
        ],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({
        field: '/body/issues/1/severity',
        message:
          'issues[1].severity must be one of BLOCKER, CRITICAL, MAJOR, MINOR, INFO, HIGH, MEDIUM, LOW',
      });
    });

    it('refuses a missing or unknown format and malformed branch names', async () => {
      for (const query of [
        '',
        'format=xml',
        'format=sarif&branch=has%20space',
        'format=sarif&commit=',
      ]) {
        const response = await upload(ci, 'web', query, reports.eslintSarif);
        expect(response.statusCode, query).toBe(400);
      }
    });
  });

  describe('security', () => {
    it('needs analysis:execute (PERMISSION_DENIED) and the project in scope (PROJECT_OUT_OF_SCOPE)', async () => {
      const browse = await createOrgToken(t, admin, org.key, { permissions: ['project:browse'] });
      const denied = await upload(browse.token, 'web', 'format=sarif', reports.eslintSarif);
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.code).toBe('PERMISSION_DENIED');
      const out = await upload(ci, 'other', 'format=sarif', reports.eslintSarif);
      expect(out.statusCode).toBe(403);
      expect(out.json().error.code).toBe('PROJECT_OUT_OF_SCOPE');
    });

    it('refuses an upload it may not make before reading the body', async () => {
      const browse = await createOrgToken(t, admin, org.key, { permissions: ['project:browse'] });
      // A body that is not even JSON: refused for the permission, so it was never parsed.
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects/web/analyses?format=sarif`,
        headers: { authorization: `Bearer ${browse.token}`, 'content-type': 'application/json' },
        payload: '{ not json at all',
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('PERMISSION_DENIED');
    });

    it('needs project:browse to read analyses', async () => {
      const upOnly = await createOrgToken(t, admin, org.key, { permissions: ['analysis:execute'] });
      const response = await withToken(t, upOnly.token, {
        url: `/api/v1/orgs/${org.key}/projects/web/analyses`,
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('PERMISSION_DENIED');
    });

    it("answers 404 for another organization's analyses", async () => {
      const posted = (await upload(ci, 'web', 'format=sarif', reports.eslintSarif)).json();
      const outsider = await t.newSession();
      const response = await t.request(outsider, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/projects/web/analyses/${posted.id}`,
      });
      expect(response.statusCode).toBe(404);
    });

    it('lets only org admins set a quality gate', async () => {
      const member = await t.newSession();
      await t.addMember(admin, org.key, member.user.id, 'member');
      const response = await t.request(member, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/projects/web/quality-gate`,
        payload: { maxErrors: 1000, maxWarnings: null },
      });
      expect(response.statusCode).toBe(403);
      const byToken = await withToken(t, ci, {
        method: 'PUT',
        url: `/api/v1/orgs/${org.key}/projects/web/quality-gate`,
        payload: { maxErrors: 1000, maxWarnings: null },
      });
      expect(byToken.statusCode).toBe(403);
    });
  });
});

describe('report body limit', () => {
  it('answers 413 PAYLOAD_TOO_LARGE over the configured limit, and nothing is stored', async () => {
    const t = await createTestApp('sqlite');
    try {
      const root = await t.newSession({ instanceAdmin: true });
      const admin = await t.newSession();
      const org = await t.createOrg(root, { orgAdmin: admin });
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key: 'big', name: 'big' },
      });
      const { token } = await createOrgToken(t, admin, org.key);
      // 60 MB against the default 50 MB limit.
      const padding = 'x'.repeat(60 * 1024 * 1024);
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects/big/analyses?format=sarif`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: `{"version":"2.1.0","runs":[],"padding":"${padding}"}`,
      });
      expect(response.statusCode).toBe(413);
      expect(response.json().error.code).toBe('PAYLOAD_TOO_LARGE');
      const rows = await t.store.db.selectFrom('analyses').select('id').execute();
      expect(rows).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
