import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateToken } from '../../src/domain/token-format.js';
import { createTestApp, type TestApp, type TestSession, unique } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { type Operation, operationKey, operations } from '../helpers/routes.js';
import { createOrgToken, createPersonalToken, daysFromNow } from '../helpers/tokens.js';

/**
 * Every route × every kind of caller, with the expected status of each cell. The columns,
 * in order:
 *   anon      no credentials
 *   bad       a malformed token
 *   unknown   a well-formed token that was never issued
 *   expired   an organization token past its expiry
 *   revoked   a revoked organization token
 *   lacking   an organization token without the route's permission (analysis:execute only)
 *   scope     an organization token whose project scope excludes the project
 *   other     an organization token of another organization
 *   pat       a personal access token of a member
 *   patGone   a personal access token of a member who was removed
 *   admPat    a personal access token of the org admin: it administers the organization, but
 *             never grants a privilege (creating users, roles, plans, organizations)
 *   instPat   a personal access token of the instance admin: reads everything, grants nothing
 *   member    a member's session
 *   admin     an org admin's session
 *   otherAdm  another organization's admin, by session
 *   instance  an instance admin (not a member), by session
 * A documented route missing here, or a row here for no route, fails the suite.
 */
const principals = [
  'anon',
  'bad',
  'unknown',
  'expired',
  'revoked',
  'lacking',
  'scope',
  'other',
  'pat',
  'patGone',
  'admPat',
  'instPat',
  'member',
  'admin',
  'otherAdm',
  'instance',
] as const;
type Principal = (typeof principals)[number];

const matrix: Record<string, string> = {
  //                                              anon bad unk exp rev lack scope other pat gone aPat iPat member admin oAdm inst
  'GET /healthz': '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /readyz': '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /cli/orgtoken.mjs': '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /cli/orgtoken.mjs.sha256': '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/v1/setup': '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'POST /api/v1/setup': '403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403',
  'POST /api/v1/session': '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/v1/session': '401 401 401 401 401 403 403 403 403 403 403 403 200 200 200 200',
  'GET /api/v1/me': '401 401 401 401 401 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/v1/server': '401 401 401 401 401 200 200 200 200 200 200 200 200 200 200 200',
  'POST /api/v1/users': '401 401 401 401 401 403 403 403 403 403 403 403 403 403 403 201',
  'GET /api/v1/audit-events': '401 401 401 401 401 403 403 403 403 403 403 200 403 403 403 200',
  'GET /api/v1/users': '401 401 401 401 401 403 403 403 403 403 403 200 403 403 403 200',
  'PATCH /api/v1/users/{userId}': '401 401 401 401 401 403 403 403 403 403 403 403 403 403 403 200',
  'POST /api/v1/orgs': '401 401 401 401 401 403 403 403 403 403 403 403 403 403 403 201',
  'GET /api/v1/orgs': '401 401 401 401 401 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/v1/orgs/{org}': '401 401 401 401 401 200 200 404 200 404 200 200 200 200 404 200',
  'PATCH /api/v1/orgs/{org}': '401 401 401 401 401 403 403 404 403 404 200 200 403 200 404 200',
  'GET /api/v1/orgs/{org}/members':
    '401 401 401 401 401 403 403 404 200 404 200 200 200 200 404 200',
  'POST /api/v1/orgs/{org}/members':
    '401 401 401 401 401 403 403 404 403 404 201 201 403 201 404 201',
  'PUT /api/v1/orgs/{org}/members/{userId}':
    '401 401 401 401 401 403 403 404 403 404 200 200 403 200 404 200',
  'DELETE /api/v1/orgs/{org}/members/{userId}':
    '401 401 401 401 401 403 403 404 403 404 204 204 403 204 404 204',
  'GET /api/v1/orgs/{org}/projects':
    '401 401 401 401 401 403 200 404 200 404 200 200 200 200 404 200',
  'POST /api/v1/orgs/{org}/projects':
    '401 401 401 401 401 403 403 404 403 404 201 201 403 201 404 201',
  'GET /api/v1/orgs/{org}/projects/{projectKey}':
    '401 401 401 401 401 403 403 404 200 404 200 200 200 200 404 200',
  'PATCH /api/v1/orgs/{org}/projects/{projectKey}':
    '401 401 401 401 401 403 403 404 403 404 200 200 403 200 404 200',
  'DELETE /api/v1/orgs/{org}/projects/{projectKey}':
    '401 401 401 401 401 403 403 404 403 404 204 204 403 204 404 204',
  'GET /api/v1/orgs/{org}/audit-events':
    '401 401 401 401 401 403 403 404 403 404 200 200 403 200 404 200',
  'GET /api/v1/orgs/{org}/tokens':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'POST /api/v1/orgs/{org}/tokens':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 201 404 201',
  'GET /api/v1/orgs/{org}/tokens/{tokenId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'PATCH /api/v1/orgs/{org}/tokens/{tokenId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'DELETE /api/v1/orgs/{org}/tokens/{tokenId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'POST /api/v1/orgs/{org}/tokens/{tokenId}/rotate':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'GET /api/v1/orgs/{org}/token-policy':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'PUT /api/v1/orgs/{org}/token-policy':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'GET /api/v1/orgs/{org}/notification-settings':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'PUT /api/v1/orgs/{org}/notification-settings':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'GET /api/v1/orgs/{org}/webhooks':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'POST /api/v1/orgs/{org}/webhooks':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 201 404 201',
  'GET /api/v1/orgs/{org}/webhooks/{webhookId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'PATCH /api/v1/orgs/{org}/webhooks/{webhookId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'DELETE /api/v1/orgs/{org}/webhooks/{webhookId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 204 404 204',
  'POST /api/v1/orgs/{org}/webhooks/{webhookId}/ping':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 202 404 202',
  'GET /api/v1/orgs/{org}/webhooks/{webhookId}/deliveries':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'POST /api/v1/orgs/{org}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 202 404 202',
  'GET /api/v1/orgs/{org}/trust-policies':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'POST /api/v1/orgs/{org}/trust-policies':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 201 404 201',
  'GET /api/v1/orgs/{org}/trust-policies/{policyId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'PATCH /api/v1/orgs/{org}/trust-policies/{policyId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'DELETE /api/v1/orgs/{org}/trust-policies/{policyId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 204 404 204',
  'POST /api/v1/orgs/{org}/trust-policies/{policyId}/check':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'GET /api/v1/orgs/{org}/trust-policies/{policyId}/exchanges':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'DELETE /api/v1/orgs/{org}/trust-policies/{policyId}/exchanges/{tokenId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 404 404 404',
  'POST /api/v1/oidc/token': '401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401',
  'GET /api/v1/orgs/{org}/leak-response':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'PUT /api/v1/orgs/{org}/leak-response':
    '401 401 401 401 401 403 403 403 403 403 403 403 403 200 404 200',
  'POST /api/v1/secret-scanning/github':
    '401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401',
  'POST /api/v1/credentials/revoke':
    '202 202 202 202 202 202 202 202 202 202 202 202 202 202 202 202',
  'GET /api/v1/user/tokens': '401 401 401 401 401 403 403 403 403 403 403 403 200 200 200 200',
  'POST /api/v1/user/tokens': '401 401 401 401 401 403 403 403 403 403 403 403 201 201 201 201',
  'DELETE /api/v1/user/tokens/{tokenId}':
    '401 401 401 401 401 403 403 403 403 403 403 403 200 404 404 404',
  'POST /api/v1/orgs/{org}/projects/{projectKey}/analyses':
    '401 401 401 401 401 201 403 404 201 404 201 201 201 201 404 201',
  'GET /api/v1/orgs/{org}/projects/{projectKey}/analyses':
    '401 401 401 401 401 403 403 404 200 404 200 200 200 200 404 200',
  'GET /api/v1/orgs/{org}/projects/{projectKey}/analyses/{analysisId}':
    '401 401 401 401 401 403 403 404 200 404 200 200 200 200 404 200',
  'GET /api/v1/orgs/{org}/projects/{projectKey}/analyses/{analysisId}/issues':
    '401 401 401 401 401 403 403 404 200 404 200 200 200 200 404 200',
  'GET /api/v1/orgs/{org}/projects/{projectKey}/quality-gate':
    '401 401 401 401 401 403 403 404 200 404 200 200 200 200 404 200',
  'PUT /api/v1/orgs/{org}/projects/{projectKey}/quality-gate':
    '401 401 401 401 401 403 403 404 403 404 200 200 403 200 404 200',
  'GET /api/authentication/validate':
    '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/server/version': '200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'POST /api/user_tokens/generate':
    '401 401 401 401 401 403 403 403 403 403 403 403 200 200 200 200',
  'POST /api/user_tokens/revoke': '401 401 401 401 401 403 403 403 403 403 403 403 204 404 404 404',
  'GET /api/user_tokens/search': '401 401 401 401 401 403 403 403 403 403 403 403 200 200 200 200',
  // By id, an analysis out of reach is 404 ("lacking" did not upload it); by key, the REST rules.
  'GET /api/ce/task': '401 401 401 401 401 404 404 404 200 404 200 200 200 200 404 200',
  'GET /api/qualitygates/project_status':
    '401 401 401 401 401 403 403 404 200 404 200 200 200 200 404 200',
  'DELETE /api/v1/session': '401 401 401 401 401 403 403 403 403 403 403 403 204 204 204 204',
};

// A public address as a literal: a webhook URL that passes the address rules with no DNS.
const webhookUrl = 'https://93.184.215.14/hooks/orgtoken';

const policyBody = {
  issuer: 'https://token.actions.githubusercontent.com',
  audience: 'https://orgtoken.example',
  claims: { repository_owner_id: '1' },
  permissions: ['analysis:execute'],
  projects: { mode: 'all' },
};

function expected(route: string): Record<Principal, number> {
  const row = matrix[route]?.split(/\s+/).map(Number) ?? [];
  return Object.fromEntries(principals.map((p, i) => [p, row[i] ?? Number.NaN])) as Record<
    Principal,
    number
  >;
}

describeEachEngine('authorization matrix', (engine) => {
  let t: TestApp;
  let ops: Operation[];
  let admin: TestSession;
  let member: TestSession;
  let orgKey: string;
  let analysisId: string;
  const auth: Partial<Record<Principal, { session?: TestSession; header?: string }>> = {};

  beforeAll(async () => {
    t = await createTestApp(engine, { sessionSeconds: 365 * 24 * 3600 });
    ops = await operations(t.app);
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    member = await t.newSession();
    const gone = await t.newSession();
    const otherAdmin = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin, plan: 'enterprise' });
    const other = await t.createOrg(root, { orgAdmin: otherAdmin, plan: 'team' });
    orgKey = org.key;
    await t.addMember(admin, org.key, member.user.id, 'member');
    await t.addMember(admin, org.key, gone.user.id, 'member');
    for (const key of ['existing', 'elsewhere']) {
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key, name: key },
      });
    }
    analysisId = (
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects/existing/analyses?format=sarif`,
        payload: { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [] }] },
      })
    ).json().id;
    const bearer = (token: string) => ({ header: `Bearer ${token}` });
    const all = ['analysis:execute', 'project:browse', 'project:provision'];
    const expired = await createOrgToken(t, admin, org.key, {
      permissions: all,
      expiresAt: daysFromNow(t, 2),
    });
    const revoked = await createOrgToken(t, admin, org.key, { permissions: all, expiresAt: null });
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/tokens/${revoked.id}`,
    });
    const patGone = await createPersonalToken(t, gone, { expiresAt: null });
    await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/members/${gone.user.id}`,
    });
    Object.assign(auth, {
      anon: {},
      bad: { header: 'Bearer not-a-token' },
      unknown: bearer(generateToken('organization')),
      expired: bearer(expired.token),
      revoked: bearer(revoked.token),
      lacking: bearer(
        (
          await createOrgToken(t, admin, org.key, {
            permissions: ['analysis:execute'],
            expiresAt: null,
          })
        ).token,
      ),
      scope: bearer(
        (
          await createOrgToken(t, admin, org.key, {
            permissions: all,
            projects: { mode: 'selected', keys: ['elsewhere'] },
            expiresAt: null,
          })
        ).token,
      ),
      other: bearer(
        (await createOrgToken(t, otherAdmin, other.key, { permissions: all, expiresAt: null }))
          .token,
      ),
      pat: bearer((await createPersonalToken(t, member, { expiresAt: null })).token),
      patGone: bearer(patGone.token),
      admPat: bearer((await createPersonalToken(t, admin, { expiresAt: null })).token),
      instPat: bearer((await createPersonalToken(t, root, { expiresAt: null })).token),
      member: { session: member },
      admin: { session: admin },
      otherAdm: { session: otherAdmin },
      instance: { session: root },
    });
    t.clock.advance(3 * 86_400_000);
  });
  afterAll(() => t.close());

  /** Fresh objects for the routes that change or consume them, so that every cell starts alike. */
  async function cell(
    operation: Operation,
  ): Promise<{ url: string; payload?: unknown; cleanup?: () => Promise<unknown> }> {
    const values: Record<string, string> = { org: orgKey, projectKey: 'existing', analysisId };
    const key = operationKey(operation);
    if (/^(PATCH|DELETE) .*\{projectKey\}$/.test(key) || key.includes('quality-gate')) {
      values.projectKey = unique('p-');
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${orgKey}/projects`,
        payload: { key: values.projectKey, name: 'p' },
      });
    }
    // Adding by email: a fresh account each time, so that no cell meets an existing member.
    const newMember =
      key === 'POST /api/v1/orgs/{org}/members'
        ? { email: (await t.createUser()).email, role: 'member' }
        : undefined;
    if (operation.path.includes('{userId}')) {
      const user = await t.createUser();
      values.userId = user.id;
      if (operation.method === 'DELETE') await t.addMember(admin, orgKey, user.id, 'member');
    }
    // A token of the organization that the policy did not mint: NOT_FOUND under the policy.
    if (operation.path.includes('/exchanges/{tokenId}')) {
      values.tokenId = (await createOrgToken(t, admin, orgKey, { expiresAt: null })).id;
    }
    if (operation.path.includes('/tokens/{tokenId}')) {
      values.tokenId = operation.path.startsWith('/api/v1/user/')
        ? (await createPersonalToken(t, member)).id
        : (await createOrgToken(t, admin, orgKey, { expiresAt: null })).id;
    }
    let cleanup: (() => Promise<unknown>) | undefined;
    if (operation.path.includes('{policyId}')) {
      const policy = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${orgKey}/trust-policies`,
        payload: { ...policyBody, name: unique('tp-') },
      });
      values.policyId = policy.json().id;
    }
    if (operation.path.includes('{webhookId}')) {
      const hook = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${orgKey}/webhooks`,
        payload: { url: webhookUrl, events: ['*'] },
      });
      values.webhookId = hook.json().id;
      // An organization has at most 20 webhooks: each cell's goes when the cell is done.
      cleanup = () =>
        t.request(admin, {
          method: 'DELETE',
          url: `/api/v1/orgs/${orgKey}/webhooks/${values.webhookId}`,
        });
      if (operation.path.includes('{deliveryId}')) {
        const ping = await t.request(admin, {
          method: 'POST',
          url: `/api/v1/orgs/${orgKey}/webhooks/${values.webhookId}/ping`,
        });
        values.deliveryId = ping.json().id;
      }
    }
    let query = '';
    if (key === 'POST /api/user_tokens/revoke') {
      query = `?name=${(await createPersonalToken(t, member)).body.name}`;
    } else if (key === 'POST /api/user_tokens/generate') {
      query = `?name=${unique('gen-')}`;
    } else if (key.endsWith('/analyses') && operation.method === 'POST') {
      query = '?format=sarif';
    } else if (key === 'GET /api/ce/task') {
      query = `?id=${analysisId}`;
    } else if (key === 'GET /api/qualitygates/project_status') {
      query = `?projectKey=existing&organization=${orgKey}`;
    }
    const url =
      operation.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '') + query;
    const bodies: Record<string, unknown> = {
      'POST /api/v1/setup': {
        code: 'x',
        email: 'x@example.test',
        name: 'X',
        password: 'x'.repeat(12),
      },
      'POST /api/v1/session': {
        email: member.user.email,
        password: 'correct horse battery staple',
      },
      'POST /api/v1/users': {
        email: `${unique('u')}@example.test`,
        name: 'U',
        password: 'x'.repeat(12),
      },
      'PATCH /api/v1/users/{userId}': { active: true },
      'POST /api/v1/orgs': { key: unique('o-'), name: 'O', plan: 'free' },
      'PATCH /api/v1/orgs/{org}': { name: 'Renamed' },
      'PUT /api/v1/orgs/{org}/members/{userId}': { role: 'member' },
      'POST /api/v1/orgs/{org}/members': newMember,
      'POST /api/v1/orgs/{org}/projects': { key: unique('np-'), name: 'N' },
      'PATCH /api/v1/orgs/{org}/projects/{projectKey}': { name: 'N' },
      'PUT /api/v1/orgs/{org}/projects/{projectKey}/quality-gate': {
        maxErrors: 0,
        maxWarnings: null,
      },
      'POST /api/v1/orgs/{org}/projects/{projectKey}/analyses': {
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'x' } }, results: [] }],
      },
      'POST /api/v1/orgs/{org}/tokens': {
        name: unique('tk-'),
        permissions: ['analysis:execute'],
        projects: { mode: 'all' },
        expiresAt: null,
      },
      'PATCH /api/v1/orgs/{org}/tokens/{tokenId}': { description: 'edited' },
      'POST /api/v1/orgs/{org}/tokens/{tokenId}/rotate': {},
      'PUT /api/v1/orgs/{org}/token-policy': { maxLifetimeDays: null, requireExpiry: false },
      'POST /api/v1/user/tokens': { name: unique('pt-'), expiresAt: null },
      'PUT /api/v1/orgs/{org}/notification-settings': {
        expiryWarningDays: [30, 7, 1],
        staleAfterDays: 60,
        emailAdmins: true,
      },
      'POST /api/v1/orgs/{org}/webhooks': { url: webhookUrl, events: ['*'] },
      'PATCH /api/v1/orgs/{org}/webhooks/{webhookId}': { description: 'edited' },
      'POST /api/v1/orgs/{org}/trust-policies': { ...policyBody, name: unique('tp-') },
      'PATCH /api/v1/orgs/{org}/trust-policies/{policyId}': { ttlSeconds: 600 },
      'POST /api/v1/orgs/{org}/trust-policies/{policyId}/check': { token: 'not.a.jwt' },
      'POST /api/v1/oidc/token': { org: orgKey, token: 'not.a.jwt' },
      'PUT /api/v1/orgs/{org}/leak-response': { action: 'revoke' },
      // Strings that are no token: the answer is the same 202 either way.
      'POST /api/v1/credentials/revoke': { credentials: ['not-a-token'] },
    };
    if (key === 'POST /api/v1/orgs/{org}/webhooks') {
      cleanup = async () => {
        const list = await t.request(admin, { url: `/api/v1/orgs/${orgKey}/webhooks?limit=200` });
        for (const hook of list.json().items as Array<{ id: string }>) {
          await t.request(admin, {
            method: 'DELETE',
            url: `/api/v1/orgs/${orgKey}/webhooks/${hook.id}`,
          });
        }
      };
    }
    return {
      url,
      ...(key in bodies ? { payload: bodies[key] } : {}),
      ...(cleanup ? { cleanup } : {}),
    };
  }

  it('answers every route for every kind of caller as the matrix says', async () => {
    const documented = ops.map(operationKey);
    const observed: string[] = [];
    const mismatches: string[] = [];
    let cells = 0;
    // Signing out ends the sessions the other cells use: that route goes last.
    const ordered = [...ops].sort(
      (a, b) =>
        Number(operationKey(a) === 'DELETE /api/v1/session') -
        Number(operationKey(b) === 'DELETE /api/v1/session'),
    );
    for (const operation of ordered) {
      const key = operationKey(operation);
      const want = expected(key);
      const row: number[] = [];
      for (const principal of principals) {
        const { url, payload, cleanup } = await cell(operation);
        const who = auth[principal] ?? {};
        const session =
          key === 'DELETE /api/v1/session' && who.session
            ? await t.signIn(who.session.user.email)
            : (who.session ?? null);
        const response = await t.request(session, {
          method: operation.method as 'GET',
          url,
          ...(payload === undefined ? {} : { payload: payload as object }),
          ...(who.header ? { headers: { authorization: who.header } } : {}),
        });
        await cleanup?.();
        row.push(response.statusCode);
        cells += 1;
        if (response.statusCode !== want[principal]) {
          mismatches.push(
            `${key} as ${principal}: ${response.statusCode}, expected ${want[principal]}`,
          );
        }
      }
      observed.push(`  '${key}': '${row.join(' ')}',`);
    }
    console.log(
      `authorization matrix: ${cells} cells checked (${ops.length} routes × ${principals.length} callers)`,
    );
    if (mismatches.length > 0) console.log(observed.join('\n'));
    expect(Object.keys(matrix).sort()).toEqual([...documented].sort());
    expect(mismatches).toEqual([]);
  }, 120_000);
});
