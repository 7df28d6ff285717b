import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { ceTaskShape, expectShape, projectStatusShape } from '../helpers/sonar-shapes.js';
import { createOrgToken, createPersonalToken, withToken } from '../helpers/tokens.js';

/** A SARIF report with one result per level given. */
function sarif(levels: string[]) {
  return {
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'fixture-linter' } },
        results: levels.map((level) => ({ ruleId: 'r', level, message: { text: 'm' } })),
      },
    ],
  };
}

/** The token as SonarQube's tooling sends it: the Basic login, with an empty password. */
const asLogin = (token: string) => `Basic ${Buffer.from(`${token}:`).toString('base64')}`;

describeEachEngine('SonarQube-compatible quality gate', (engine) => {
  let t: TestApp;
  let admin: TestSession;
  let org: { key: string; id: string };
  let other: { key: string; id: string };
  let otherAdmin: TestSession;
  /** analysis:execute on every project: what a pipeline's token holds. */
  let uploader: string;
  let uploaderId: string;

  const upload = async (token: string, project: string, levels: string[], branch?: string) => {
    const response = await withToken(t, token, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects/${project}/analyses?format=sarif${branch ? `&branch=${branch}` : ''}`,
      payload: sarif(levels),
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; createdAt: string };
  };
  const get = (url: string, authorization?: string) =>
    t.request(null, { method: 'GET', url, headers: authorization ? { authorization } : {} });
  const task = (id: string, authorization?: string) => get(`/api/ce/task?id=${id}`, authorization);
  const gate = (query: string, authorization?: string) =>
    get(`/api/qualitygates/project_status?${query}`, authorization);
  const setGate = async (project: string, maxErrors: number | null, maxWarnings: number | null) => {
    const response = await t.request(admin, {
      method: 'PUT',
      url: `/api/v1/orgs/${org.key}/projects/${project}/quality-gate`,
      payload: { maxErrors, maxWarnings },
    });
    expect(response.statusCode).toBe(200);
  };

  beforeAll(async () => {
    t = await createTestApp(engine);
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    otherAdmin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin });
    other = await t.createOrg(root, { orgAdmin: otherAdmin });
    for (const key of ['api', 'web', 'lax', 'branches', 'fresh']) {
      const response = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key, name: key },
      });
      expect(response.statusCode).toBe(201);
    }
    const created = await createOrgToken(t, admin, org.key, { permissions: ['analysis:execute'] });
    uploader = created.token;
    uploaderId = created.id;
  });
  afterAll(() => t.close());

  describe('GET /api/ce/task', () => {
    it("answers an upload's task in SonarQube's shape: SUCCESS, its id the analysis id", async () => {
      const analysis = await upload(uploader, 'api', [], 'main');
      const response = await task(analysis.id, asLogin(uploader));
      expect(response.statusCode, response.body).toBe(200);
      expectShape(ceTaskShape, response.json());
      expect(response.json()).toEqual({
        task: {
          id: analysis.id,
          type: 'REPORT',
          organization: org.key,
          componentId: expect.any(String),
          componentKey: 'api',
          componentName: 'api',
          componentQualifier: 'TRK',
          branch: 'main',
          status: 'SUCCESS',
          analysisId: analysis.id,
          submittedAt: `${analysis.createdAt.slice(0, 19)}+0000`,
          startedAt: `${analysis.createdAt.slice(0, 19)}+0000`,
          executedAt: `${analysis.createdAt.slice(0, 19)}+0000`,
        },
      });
    });

    it('answers the same to a Bearer token, a member signed in, and a token with project:browse', async () => {
      const analysis = await upload(uploader, 'api', ['error']);
      const browser = await createOrgToken(t, admin, org.key, { permissions: ['project:browse'] });
      const answers = [
        await task(analysis.id, `Bearer ${uploader}`),
        await t.request(admin, { method: 'GET', url: `/api/ce/task?id=${analysis.id}` }),
        await task(analysis.id, asLogin(browser.token)),
      ];
      for (const response of answers) {
        expect(response.statusCode, response.body).toBe(200);
        expectShape(ceTaskShape, response.json());
        expect(response.json().task).toMatchObject({ analysisId: analysis.id, status: 'SUCCESS' });
      }
    });

    it('leaves no task for a refused upload', async () => {
      const tasksBefore = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/projects/api/analyses?limit=200`,
      });
      const refused = await withToken(t, uploader, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects/api/analyses?format=sarif`,
        payload: { version: '2.1.0', runs: [{ results: [] }] },
      });
      expect(refused.statusCode).toBe(400);
      const tasksAfter = await t.request(admin, {
        method: 'GET',
        url: `/api/v1/orgs/${org.key}/projects/api/analyses?limit=200`,
      });
      expect(tasksAfter.json().items).toEqual(tasksBefore.json().items);
    });
  });

  describe('GET /api/qualitygates/project_status', () => {
    it('is OK for a clean report, with the errors condition in SonarQube terms', async () => {
      const analysis = await upload(uploader, 'api', ['warning']);
      const response = await gate(`analysisId=${analysis.id}`, asLogin(uploader));
      expect(response.statusCode, response.body).toBe(200);
      expectShape(projectStatusShape, response.json());
      expect(response.json()).toEqual({
        projectStatus: {
          status: 'OK',
          conditions: [
            {
              status: 'OK',
              metricKey: 'error_violations',
              comparator: 'GT',
              errorThreshold: '0',
              actualValue: '0',
            },
          ],
          ignoredConditions: false,
        },
      });
    });

    it('is ERROR for a report that breaks the gate, naming the failed condition', async () => {
      await setGate('lax', 1, 2);
      const broken = await upload(uploader, 'lax', ['error', 'warning', 'warning', 'warning']);
      const response = await gate(`analysisId=${broken.id}`, `Bearer ${uploader}`);
      expect(response.statusCode, response.body).toBe(200);
      expectShape(projectStatusShape, response.json());
      expect(response.json().projectStatus).toEqual({
        status: 'ERROR',
        conditions: [
          {
            status: 'OK',
            metricKey: 'error_violations',
            comparator: 'GT',
            errorThreshold: '1',
            actualValue: '1',
          },
          {
            status: 'ERROR',
            metricKey: 'warning_violations',
            comparator: 'GT',
            errorThreshold: '2',
            actualValue: '3',
          },
        ],
        ignoredConditions: false,
      });
    });

    it('is NONE for an analysis judged by a gate that sets no limit', async () => {
      await setGate('web', null, null);
      const analysis = await upload(uploader, 'web', ['error']);
      const response = await gate(`analysisId=${analysis.id}`, asLogin(uploader));
      expect(response.statusCode).toBe(200);
      expectShape(projectStatusShape, response.json());
      expect(response.json().projectStatus).toEqual({
        status: 'NONE',
        conditions: [],
        ignoredConditions: false,
      });
    });

    it("answers a project's newest analysis, of a branch when given, and NONE before any", async () => {
      const browser = asLogin(
        (await createOrgToken(t, admin, org.key, { permissions: ['project:browse'] })).token,
      );
      const latest = (query: string) =>
        gate(`projectKey=branches&organization=${org.key}${query}`, browser);
      expect((await latest('')).json().projectStatus.status).toBe('NONE');
      await upload(uploader, 'branches', ['error'], 'main');
      await upload(uploader, 'branches', [], 'feature');
      for (const [query, status] of [
        ['', 'OK'],
        ['&branch=main', 'ERROR'],
        ['&branch=feature', 'OK'],
        ['&branch=nowhere', 'NONE'],
      ] as const) {
        const response = await latest(query);
        expect(response.statusCode, response.body).toBe(200);
        expectShape(projectStatusShape, response.json());
        expect(response.json().projectStatus.status, query).toBe(status);
      }
      const fresh = await gate(`projectKey=fresh&organization=${org.key}`, browser);
      expect(fresh.json()).toEqual({
        projectStatus: { status: 'NONE', conditions: [], ignoredConditions: false },
      });
    });
  });

  describe('refusals', () => {
    it('answers 401 without credentials, and for a revoked token', async () => {
      const analysis = await upload(uploader, 'api', []);
      const revoked = await createOrgToken(t, admin, org.key);
      await t.request(admin, {
        method: 'DELETE',
        url: `/api/v1/orgs/${org.key}/tokens/${revoked.id}`,
      });
      for (const authorization of [undefined, asLogin(revoked.token)]) {
        for (const response of [
          await task(analysis.id, authorization),
          await gate(`analysisId=${analysis.id}`, authorization),
          await gate(`projectKey=api&organization=${org.key}`, authorization),
        ]) {
          expect(response.statusCode).toBe(401);
          expect(response.json().error.code).toBe(
            authorization ? 'TOKEN_REVOKED' : 'AUTH_REQUIRED',
          );
          expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="orgtoken"/);
        }
      }
    });

    it('takes no email and password as Basic credentials here, unlike the token routes', async () => {
      const analysis = await upload(uploader, 'api', []);
      const email = Buffer.from('someone@example.test:a password').toString('base64');
      const response = await task(analysis.id, `Basic ${email}`);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('TOKEN_INVALID');
    });

    it("answers 404 for another organization's analysis, to its tokens and its people alike", async () => {
      const analysis = await upload(uploader, 'api', []);
      const foreign = await createOrgToken(t, otherAdmin, other.key);
      const foreignPat = await createPersonalToken(t, otherAdmin);
      for (const authorization of [asLogin(foreign.token), `Bearer ${foreignPat.token}`]) {
        const refusedTask = await task(analysis.id, authorization);
        expect(refusedTask.statusCode).toBe(404);
        expect(refusedTask.json().error).toMatchObject({
          code: 'NOT_FOUND',
          message: `No activity found for task '${analysis.id}'`,
        });
        const refusedGate = await gate(`analysisId=${analysis.id}`, authorization);
        expect(refusedGate.statusCode).toBe(404);
        expect(refusedGate.json().error.message).toBe(
          `Analysis with id '${analysis.id}' is not found`,
        );
        // And a project of that organization by key.
        const byKey = await gate(`projectKey=api&organization=${org.key}`, authorization);
        expect(byKey.statusCode).toBe(404);
      }
      const signedIn = await t.request(otherAdmin, {
        method: 'GET',
        url: `/api/ce/task?id=${analysis.id}`,
      });
      expect(signedIn.statusCode).toBe(404);
    });

    it('answers an unknown id 404, as SonarQube does', async () => {
      const unknown = '01900000-0000-7000-8000-000000000000';
      expect((await task(unknown, asLogin(uploader))).statusCode).toBe(404);
      expect((await gate(`analysisId=${unknown}`, asLogin(uploader))).statusCode).toBe(404);
      expect((await task('AYx-not_ours', asLogin(uploader))).statusCode).toBe(404);
    });

    it("refuses a project's latest gate to a token without project:browse (403), or outside its scope (403)", async () => {
      const noBrowse = await gate(`projectKey=api&organization=${org.key}`, asLogin(uploader));
      expect(noBrowse.statusCode).toBe(403);
      expect(noBrowse.json().error.code).toBe('PERMISSION_DENIED');
      const scoped = await createOrgToken(t, admin, org.key, {
        permissions: ['project:browse'],
        projects: { mode: 'selected', keys: ['web'] },
      });
      const outside = await gate(`projectKey=api&organization=${org.key}`, asLogin(scoped.token));
      expect(outside.statusCode).toBe(403);
      expect(outside.json().error.code).toBe('PROJECT_OUT_OF_SCOPE');
      const unknown = await gate(
        `projectKey=nothing-here&organization=${org.key}`,
        asLogin(scoped.token),
      );
      expect(unknown.statusCode).toBe(403);
    });

    it('lets an analysis:execute token follow only the analyses it uploaded itself', async () => {
      const mine = await upload(uploader, 'api', []);
      const otherUploader = await createOrgToken(t, admin, org.key, {
        permissions: ['analysis:execute'],
      });
      const theirs = await upload(otherUploader.token, 'api', []);
      expect((await task(mine.id, asLogin(uploader))).statusCode).toBe(200);
      expect((await gate(`analysisId=${mine.id}`, asLogin(uploader))).statusCode).toBe(200);
      expect((await task(theirs.id, asLogin(uploader))).statusCode).toBe(404);
      expect((await gate(`analysisId=${theirs.id}`, asLogin(uploader))).statusCode).toBe(404);
      // Its own analysis of a project it can no longer reach is out of reach too.
      const patched = await t.request(admin, {
        method: 'PATCH',
        url: `/api/v1/orgs/${org.key}/tokens/${uploaderId}`,
        payload: { projects: { mode: 'selected', keys: ['web'] } },
      });
      expect(patched.statusCode).toBe(200);
      try {
        expect((await task(mine.id, asLogin(uploader))).statusCode).toBe(404);
      } finally {
        await t.request(admin, {
          method: 'PATCH',
          url: `/api/v1/orgs/${org.key}/tokens/${uploaderId}`,
          payload: { projects: { mode: 'all' } },
        });
      }
    });

    it('answers 404 to a project:browse token for an analysis outside its scope', async () => {
      const analysis = await upload(uploader, 'api', []);
      const scoped = await createOrgToken(t, admin, org.key, {
        permissions: ['project:browse'],
        projects: { mode: 'selected', keys: ['web'] },
      });
      expect((await task(analysis.id, asLogin(scoped.token))).statusCode).toBe(404);
      expect((await gate(`analysisId=${analysis.id}`, asLogin(scoped.token))).statusCode).toBe(404);
    });

    it("lets a personal access token narrowed to analysis:execute follow its user's uploads only", async () => {
      const member = await t.newSession();
      await t.addMember(admin, org.key, member.user.id, 'member');
      const analysisToken = await createPersonalToken(t, member, {
        permissions: ['analysis:execute'],
      });
      const own = await upload(analysisToken.token, 'api', []);
      const pipelines = await upload(uploader, 'api', []);
      expect((await task(own.id, asLogin(analysisToken.token))).statusCode).toBe(200);
      expect((await gate(`analysisId=${own.id}`, asLogin(analysisToken.token))).statusCode).toBe(
        200,
      );
      expect((await task(pipelines.id, asLogin(analysisToken.token))).statusCode).toBe(404);
      // The member's own token with all their rights reads every analysis of the organization.
      const full = await createPersonalToken(t, member);
      expect((await task(pipelines.id, asLogin(full.token))).statusCode).toBe(200);
    });
  });

  describe('parameters', () => {
    it('refuses what SonarQube would not answer: 400 naming the parameter', async () => {
      const analysis = await upload(uploader, 'api', []);
      const auth = asLogin(uploader);
      for (const [url, field] of [
        ['/api/ce/task', '/querystring/id'],
        ['/api/ce/task?id=a%20b', '/querystring/id'],
        [
          `/api/ce/task?id=${analysis.id}&additionalFields=warnings`,
          '/querystring/additionalFields',
        ],
        ['/api/qualitygates/project_status', '/querystring/analysisId'],
        [
          `/api/qualitygates/project_status?analysisId=${analysis.id}&projectKey=api`,
          '/querystring/projectKey',
        ],
        ['/api/qualitygates/project_status?projectKey=api', '/querystring/organization'],
        [
          `/api/qualitygates/project_status?projectKey=api&organization=${org.key}&pullRequest=5`,
          '/querystring/pullRequest',
        ],
      ] as const) {
        const response = await get(url, auth);
        expect(response.statusCode, url).toBe(400);
        expect(response.json().error, url).toMatchObject({ code: 'VALIDATION_FAILED', field });
      }
    });
  });

  it('describes both routes in the OpenAPI document', async () => {
    const document = (await t.app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    for (const path of ['/api/ce/task', '/api/qualitygates/project_status']) {
      expect(Object.keys(document.paths[path]?.get?.responses ?? {}), path).toEqual(
        expect.arrayContaining(['200', '400', '401', '404']),
      );
    }
  });
});
