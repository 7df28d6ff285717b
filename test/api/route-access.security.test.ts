import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, password, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { seedRouteObjects } from '../helpers/fixtures.js';
import { fillPath, type Operation, operationKey, operations } from '../helpers/routes.js';
import { storeDigest } from '../helpers/store-digest.js';
import { createOrgToken, createPersonalToken, withToken } from '../helpers/tokens.js';

/**
 * Who may call each documented route. A route that is registered but missing here fails the
 * suite, so every new route has to state its access rule.
 * - auth: 'none' routes are open; 'required' ones need a session.
 * - scope: 'org' routes belong to an organization (outsiders get 404).
 * - admin: 'org' needs an org admin, 'instance' an instance admin (others get 403).
 * - person: the route grants a privilege (with this body, on this user when given), so it
 *   needs a signed-in person: every token gets 403, even an instance admin's own PAT.
 */
interface Rule {
  auth: 'none' | 'required';
  scope?: 'org';
  admin?: 'org' | 'instance';
  body?: Record<string, unknown>;
  query?: string;
  person?: { body?: Record<string, unknown>; user?: 'orgAdmin' };
}

const rules: Record<string, Rule> = {
  'GET /healthz': { auth: 'none' },
  'GET /readyz': { auth: 'none' },
  'GET /cli/orgtoken.mjs': { auth: 'none' },
  'GET /cli/orgtoken.mjs.sha256': { auth: 'none' },
  'GET /api/v1/setup': { auth: 'none' },
  'POST /api/v1/setup': {
    auth: 'none',
    body: { code: 'x', email: 'x@example.test', name: 'X', password },
  },
  'POST /api/v1/session': { auth: 'none', body: { email: 'x@example.test', password } },
  'GET /api/v1/session': { auth: 'required' },
  'DELETE /api/v1/session': { auth: 'required' },
  'GET /api/v1/me': { auth: 'required' },
  'GET /api/v1/server': { auth: 'required' },
  'POST /api/v1/users': {
    auth: 'required',
    admin: 'instance',
    body: { email: 'made@example.test', name: 'Made', password },
    person: {},
  },
  'GET /api/v1/users': { auth: 'required', admin: 'instance' },
  'PATCH /api/v1/users/{userId}': {
    auth: 'required',
    admin: 'instance',
    body: { active: true },
    person: { body: { instanceAdmin: true } },
  },
  'GET /api/v1/audit-events': { auth: 'required', admin: 'instance' },
  'POST /api/v1/orgs': {
    auth: 'required',
    admin: 'instance',
    body: { key: 'made-org', name: 'Made', plan: 'free' },
    person: {},
  },
  'GET /api/v1/orgs': { auth: 'required' },
  'GET /api/v1/orgs/{org}': { auth: 'required', scope: 'org' },
  'PATCH /api/v1/orgs/{org}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { name: 'N' },
    person: { body: { plan: 'enterprise' } },
  },
  'GET /api/v1/orgs/{org}/members': { auth: 'required', scope: 'org' },
  'POST /api/v1/orgs/{org}/members': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { email: 'x@example.test', role: 'member' },
    person: { body: { email: 'x@example.test', role: 'admin' } },
  },
  'PUT /api/v1/orgs/{org}/members/{userId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { role: 'member' },
    person: { body: { role: 'admin' } },
  },
  'DELETE /api/v1/orgs/{org}/members/{userId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    person: { user: 'orgAdmin' },
  },
  'GET /api/v1/orgs/{org}/projects': { auth: 'required', scope: 'org' },
  'POST /api/v1/orgs/{org}/projects': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { key: 'made-project', name: 'Made' },
  },
  'GET /api/v1/orgs/{org}/projects/{projectKey}': { auth: 'required', scope: 'org' },
  'PATCH /api/v1/orgs/{org}/projects/{projectKey}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { name: 'N' },
  },
  'DELETE /api/v1/orgs/{org}/projects/{projectKey}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'GET /api/v1/orgs/{org}/audit-events': { auth: 'required', scope: 'org', admin: 'org' },
  'GET /api/v1/orgs/{org}/tokens': { auth: 'required', scope: 'org', admin: 'org' },
  'POST /api/v1/orgs/{org}/tokens': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: {
      name: 'made-token',
      permissions: ['analysis:execute'],
      projects: { mode: 'all' },
      expiresAt: null,
    },
  },
  'GET /api/v1/orgs/{org}/tokens/{tokenId}': { auth: 'required', scope: 'org', admin: 'org' },
  'PATCH /api/v1/orgs/{org}/tokens/{tokenId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { name: 'renamed-token' },
  },
  'DELETE /api/v1/orgs/{org}/tokens/{tokenId}': { auth: 'required', scope: 'org', admin: 'org' },
  'POST /api/v1/orgs/{org}/tokens/{tokenId}/rotate': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: {},
  },
  'GET /api/v1/orgs/{org}/token-policy': { auth: 'required', scope: 'org', admin: 'org' },
  'PUT /api/v1/orgs/{org}/token-policy': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { maxLifetimeDays: null, requireExpiry: false },
  },
  'GET /api/v1/orgs/{org}/notification-settings': { auth: 'required', scope: 'org', admin: 'org' },
  'PUT /api/v1/orgs/{org}/notification-settings': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { expiryWarningDays: [14], staleAfterDays: 90, emailAdmins: false },
  },
  'GET /api/v1/orgs/{org}/webhooks': { auth: 'required', scope: 'org', admin: 'org' },
  'POST /api/v1/orgs/{org}/webhooks': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { url: 'https://93.184.215.14/hooks/other', events: ['token.expiring'] },
  },
  'GET /api/v1/orgs/{org}/webhooks/{webhookId}': { auth: 'required', scope: 'org', admin: 'org' },
  'PATCH /api/v1/orgs/{org}/webhooks/{webhookId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { description: 'renamed' },
  },
  'DELETE /api/v1/orgs/{org}/webhooks/{webhookId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'POST /api/v1/orgs/{org}/webhooks/{webhookId}/ping': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'GET /api/v1/orgs/{org}/webhooks/{webhookId}/deliveries': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'POST /api/v1/orgs/{org}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'POST /api/v1/oidc/token': {
    auth: 'none',
    body: { org: 'nobody', token: 'not.a.jwt' },
  },
  'GET /api/v1/orgs/{org}/trust-policies': { auth: 'required', scope: 'org', admin: 'org' },
  'POST /api/v1/orgs/{org}/trust-policies': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: {
      name: 'made-policy',
      issuer: 'https://gitlab.com',
      audience: 'https://orgtoken.example',
      claims: { project_id: '1' },
      permissions: ['analysis:execute'],
      projects: { mode: 'all' },
    },
  },
  'GET /api/v1/orgs/{org}/trust-policies/{policyId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'PATCH /api/v1/orgs/{org}/trust-policies/{policyId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { ttlSeconds: 600 },
  },
  'DELETE /api/v1/orgs/{org}/trust-policies/{policyId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'POST /api/v1/orgs/{org}/trust-policies/{policyId}/check': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { token: 'not.a.jwt' },
  },
  'GET /api/v1/orgs/{org}/trust-policies/{policyId}/exchanges': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'DELETE /api/v1/orgs/{org}/trust-policies/{policyId}/exchanges/{tokenId}': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
  },
  'POST /api/v1/secret-scanning/github': { auth: 'none' },
  'POST /api/v1/credentials/revoke': { auth: 'none', body: { credentials: ['not-a-token'] } },
  'GET /api/v1/orgs/{org}/leak-response': { auth: 'required', scope: 'org', admin: 'org' },
  'PUT /api/v1/orgs/{org}/leak-response': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { action: 'notify' },
  },
  'GET /api/v1/user/tokens': { auth: 'required' },
  'POST /api/v1/user/tokens': { auth: 'required', body: { name: 'my-token', expiresAt: null } },
  'DELETE /api/v1/user/tokens/{tokenId}': { auth: 'required' },
  'POST /api/v1/orgs/{org}/projects/{projectKey}/analyses': {
    auth: 'required',
    scope: 'org',
    query: '?format=sarif',
    body: { version: '2.1.0', runs: [{ tool: { driver: { name: 'eslint' } }, results: [] }] },
  },
  'GET /api/v1/orgs/{org}/projects/{projectKey}/analyses': { auth: 'required', scope: 'org' },
  'GET /api/v1/orgs/{org}/projects/{projectKey}/analyses/{analysisId}': {
    auth: 'required',
    scope: 'org',
  },
  'GET /api/v1/orgs/{org}/projects/{projectKey}/analyses/{analysisId}/issues': {
    auth: 'required',
    scope: 'org',
  },
  'GET /api/v1/orgs/{org}/projects/{projectKey}/quality-gate': { auth: 'required', scope: 'org' },
  'GET /api/authentication/validate': { auth: 'none' },
  'GET /api/server/version': { auth: 'none' },
  'POST /api/user_tokens/generate': { auth: 'required', query: '?name=made-by-sonar-api' },
  'POST /api/user_tokens/revoke': { auth: 'required', query: '?name=to-revoke' },
  'GET /api/user_tokens/search': { auth: 'required' },
  'GET /api/ce/task': { auth: 'required', scope: 'org', query: '?id={analysisId}' },
  'GET /api/qualitygates/project_status': {
    auth: 'required',
    scope: 'org',
    query: '?projectKey={projectKey}&organization={org}',
  },
  'PUT /api/v1/orgs/{org}/projects/{projectKey}/quality-gate': {
    auth: 'required',
    scope: 'org',
    admin: 'org',
    body: { maxErrors: 0, maxWarnings: null },
  },
};

describeEachEngine('access rules of every route', (engine) => {
  let t: TestApp;
  let ops: Operation[];
  let member: TestSession;
  let outsider: TestSession;
  let params: Record<string, string>;
  let snapshot: () => Promise<string>;
  let tokens: { instanceAdminPat: string; orgAdminPat: string; orgToken: string };
  let orgAdminId: string;

  beforeAll(async () => {
    t = await createTestApp(engine);
    ops = await operations(t.app);
    const root = await t.newSession({ instanceAdmin: true });
    const admin = await t.newSession();
    member = await t.newSession();
    outsider = await t.newSession();
    const org = await t.createOrg(root, { orgAdmin: admin });
    await t.addMember(root, org.key, member.user.id, 'member');
    const seeded = await seedRouteObjects(t, admin, org.key);
    orgAdminId = admin.user.id;
    tokens = {
      instanceAdminPat: (await createPersonalToken(t, root, { expiresAt: null })).token,
      orgAdminPat: (await createPersonalToken(t, admin, { expiresAt: null })).token,
      orgToken: (await createOrgToken(t, admin, org.key, { expiresAt: null })).token,
    };
    const personal = await t.request(member, {
      method: 'POST',
      url: '/api/v1/user/tokens',
      payload: { name: 'member-token', expiresAt: null },
    });
    await t.request(member, {
      method: 'POST',
      url: '/api/v1/user/tokens',
      payload: { name: 'to-revoke', expiresAt: null },
    });
    params = {
      analysisId: seeded.analysisId,
      org: org.key,
      projectKey: 'existing',
      userId: member.user.id,
      tokenId: seeded.tokenId,
      personalTokenId: personal.json().id,
      webhookId: seeded.webhookId,
      deliveryId: seeded.deliveryId,
      policyId: seeded.policyId,
    };
    snapshot = () => storeDigest(t.store);
  });
  afterAll(() => t.close());

  const send = (operation: Operation, session: TestSession | null, csrf = true) =>
    t.request(session, {
      method: operation.method as 'GET',
      url:
        fillPath(
          operation.path.replace('/user/tokens/{tokenId}', '/user/tokens/{personalTokenId}'),
          params,
        ) + fillPath(rules[operationKey(operation)]?.query ?? '', params),
      csrf,
      ...(rules[operationKey(operation)]?.body
        ? { payload: rules[operationKey(operation)]?.body }
        : {}),
    });

  it('has an access rule for every documented route, and no rule for a route that does not exist', () => {
    const documented = ops.map(operationKey).sort();
    expect(documented).toEqual(Object.keys(rules).sort());
  });

  describe('denials', () => {
    it('answers 401 AUTH_REQUIRED with WWW-Authenticate to anonymous callers of protected routes', async () => {
      for (const operation of ops.filter((o) => rules[operationKey(o)]?.auth === 'required')) {
        const response = await send(operation, null);
        expect(response.statusCode, operationKey(operation)).toBe(401);
        expect(response.json().error.code).toBe('AUTH_REQUIRED');
        expect(response.headers['www-authenticate']).toBe('Bearer realm="orgtoken"');
      }
    });

    it('answers 403 CSRF_FAILED to cookie-authenticated state changes without the header', async () => {
      const before = await snapshot();
      const unsafe = ops.filter(
        (o) => rules[operationKey(o)]?.auth === 'required' && o.method !== 'GET',
      );
      expect(unsafe.length).toBeGreaterThan(5);
      for (const operation of unsafe) {
        const response = await send(operation, member, false);
        expect(response.statusCode, operationKey(operation)).toBe(403);
        expect(response.json().error.code).toBe('CSRF_FAILED');
      }
      expect(await snapshot()).toBe(before);
    });

    it("answers 404 NOT_FOUND to an outsider on every organization's route", async () => {
      const before = await snapshot();
      for (const operation of ops.filter((o) => rules[operationKey(o)]?.scope === 'org')) {
        const response = await send(operation, outsider);
        expect(response.statusCode, operationKey(operation)).toBe(404);
        expect(response.json().error.code).toBe('NOT_FOUND');
      }
      expect(await snapshot()).toBe(before);
    });

    it('answers 403 FORBIDDEN to every token on every privilege-granting route, changing nothing', async () => {
      const before = await snapshot();
      const granting = ops.filter((o) => rules[operationKey(o)]?.person !== undefined);
      expect(granting.length).toBe(7);
      for (const operation of granting) {
        const rule = rules[operationKey(operation)];
        const person = rule?.person ?? {};
        const url = fillPath(operation.path, {
          ...params,
          ...(person.user === 'orgAdmin' ? { userId: orgAdminId } : {}),
        });
        const body = person.body ?? rule?.body;
        for (const [who, secret] of Object.entries(tokens)) {
          const response = await withToken(t, secret, {
            method: operation.method as 'POST',
            url,
            ...(body ? { payload: body } : {}),
          });
          const label = `${operationKey(operation)} as ${who}`;
          expect(response.statusCode, label).toBe(403);
          expect(response.json().error.code, label).toBe('FORBIDDEN');
          // An admin's own PAT passes every other check, so the refusal must name its reason.
          if (who === 'instanceAdminPat') {
            expect(response.json().error.message, label).toMatch(
              /needs a signed-in person, not a token\./,
            );
          }
        }
      }
      expect(await snapshot()).toBe(before);
    });

    it('answers 403 FORBIDDEN to a member on every admin route', async () => {
      const before = await snapshot();
      for (const operation of ops.filter((o) => rules[operationKey(o)]?.admin !== undefined)) {
        const response = await send(operation, member);
        expect(response.statusCode, operationKey(operation)).toBe(403);
        expect(response.json().error.code).toBe('FORBIDDEN');
      }
      expect(await snapshot()).toBe(before);
    });
  });

  it('lets a member through on every route that needs no admin', async () => {
    for (const operation of ops.filter(
      (o) => rules[operationKey(o)]?.auth === 'required' && !rules[operationKey(o)]?.admin,
    )) {
      if (operationKey(operation) === 'DELETE /api/v1/session') continue; // would end the session
      const response = await send(operation, member);
      expect(response.statusCode, operationKey(operation)).toBeLessThan(300);
    }
  });
});
