import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/domain/clock.js';
import { createTestApp, type TestApp, type TestSession } from '../helpers/app.js';
import { describeEachEngine } from '../helpers/engines.js';
import { type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import { withToken } from '../helpers/tokens.js';

const audience = 'https://orgtoken.example';
const sarif = {
  version: '2.1.0',
  runs: [
    {
      tool: { driver: { name: 'eslint' } },
      results: [{ level: 'error', ruleId: 'r', message: { text: 'x' } }],
    },
  ],
};

describeEachEngine('secretless CI: exchanging a CI identity token for an ote_ token', (engine) => {
  let t: TestApp;
  let github: OidcIssuer;
  let gitlab: OidcIssuer;
  let admin: TestSession;
  let org: { key: string; id: string };
  let policyId: string;
  const clock: Clock = { now: () => t.clock.now(), nowMs: () => t.clock.nowMs() };

  beforeAll(async () => {
    github = await startOidcIssuer({ algorithm: 'RS256', audience, clock });
    gitlab = await startOidcIssuer({ algorithm: 'ES256', audience, clock, path: '/gitlab' });
    t = await createTestApp(engine, {
      sessionSeconds: 30 * 24 * 3600,
      oidcInsecureIssuers: [github.issuer, gitlab.issuer],
    });
    const root = await t.newSession({ instanceAdmin: true });
    admin = await t.newSession();
    org = await t.createOrg(root, { orgAdmin: admin, plan: 'enterprise' });
    for (const key of ['api', 'web']) {
      await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/projects`,
        payload: { key, name: key },
      });
    }
    const policy = await createPolicy(org.key, {
      name: 'github-main',
      issuer: github.issuer,
      claims: { repository_owner_id: '4242', ref: 'refs/heads/*' },
      projects: { mode: 'selected', keys: ['api'] },
    });
    policyId = policy.id;
    await createPolicy(org.key, {
      name: 'gitlab',
      issuer: gitlab.issuer,
      claims: { namespace_id: '77', ref_protected: 'true' },
    });
  });
  afterAll(async () => {
    await t.close();
    await github.close();
    await gitlab.close();
  });

  async function createPolicy(orgKey: string, fields: Record<string, unknown>) {
    const response = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${orgKey}/trust-policies`,
      payload: {
        audience,
        permissions: ['analysis:execute', 'project:browse'],
        projects: { mode: 'all' },
        ...fields,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; name: string; advice: string[] };
  }

  const exchange = (token: string, extra: Record<string, unknown> = {}) =>
    t.request(null, {
      method: 'POST',
      url: '/api/v1/oidc/token',
      payload: { org: org.key, token, ...extra },
    });
  const githubToken = (overrides: Record<string, unknown> = {}) =>
    github.sign(github.githubClaims({ repository_owner_id: '4242', ...overrides }));

  it('mints an ote_ token that uploads within its scope, is attributed to the policy and run, and is refused outside it', async () => {
    const jwt = await githubToken({
      repository: 'octo/api',
      ref: 'refs/heads/main',
      run_id: '991',
    });
    const minted = await exchange(jwt);
    expect(minted.statusCode, minted.body).toBe(201);
    const body = minted.json() as { token: string; expiresAt: string; policy: { name: string } };
    expect(body.token).toMatch(/^ote_/);
    expect(body.policy.name).toBe('github-main');
    expect(Date.parse(body.expiresAt) - t.clock.nowMs()).toBe(900_000);

    const me = await withToken(t, body.token, { url: '/api/v1/me' });
    expect(me.json()).toMatchObject({
      type: 'ephemeral_token',
      policy: { id: policyId, name: 'github-main' },
      run: { repository: 'octo/api', ref: 'refs/heads/main', runId: '991' },
    });
    const upload = await withToken(t, body.token, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects/api/analyses?format=sarif`,
      payload: sarif,
    });
    expect(upload.statusCode, upload.body).toBe(201);
    expect(upload.json()).toMatchObject({
      submittedBy: { type: 'ephemeral_token' },
      ci: { policy: { name: 'github-main' }, run: { repository: 'octo/api', runId: '991' } },
    });
    const outside = await withToken(t, body.token, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/projects/web/analyses?format=sarif`,
      payload: sarif,
    });
    expect(outside.statusCode).toBe(403);
    const audit = await t.request(admin, {
      url: `/api/v1/orgs/${org.key}/audit-events?action=token.exchanged`,
    });
    expect(audit.json().items[0]).toMatchObject({ action: 'token.exchanged' });
    expect(audit.body).not.toContain(jwt);
  });

  it('refuses the ote_ token one second after its expiry', async () => {
    const minted = (await exchange(await githubToken())).json() as {
      token: string;
      expiresAt: string;
    };
    t.clock.advance(Date.parse(minted.expiresAt) - t.clock.nowMs() - 1);
    expect((await withToken(t, minted.token, { url: '/api/v1/me' })).statusCode).toBe(200);
    t.clock.advance(1001);
    const expired = await withToken(t, minted.token, { url: '/api/v1/me' });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('TOKEN_EXPIRED');
  });

  it('accepts an ES256 token of a GitLab issuer under a path, and a key the issuer rotated to', async () => {
    const jwt = await gitlab.sign(gitlab.gitlabClaims({ namespace_id: 77, ref_protected: 'true' }));
    expect((await exchange(jwt)).statusCode).toBe(201);
    await github.rotateKey();
    const rotated = await exchange(await githubToken());
    expect(rotated.statusCode, rotated.body).toBe(201);
  });

  describe('refusals name the failed condition and never the token', () => {
    const refused = async (
      jwt: string,
      code: string,
      text: RegExp,
      extra: Record<string, unknown> = {},
      orgKey?: string,
    ) => {
      const response = await t.request(null, {
        method: 'POST',
        url: '/api/v1/oidc/token',
        payload: { org: orgKey ?? org.key, token: jwt, ...extra },
      });
      expect(response.json().error.code, response.body).toBe(code);
      expect(response.json().error.message).toMatch(text);
      expect(response.body).not.toContain(jwt.split('.')[1] ?? jwt);
      return response;
    };

    it('refuses an issuer no policy trusts, and a wrong audience', async () => {
      const other = await startOidcIssuer({ audience, clock });
      try {
        await refused(await other.sign(other.githubClaims()), 'OIDC_INVALID', /trusts issuer/);
      } finally {
        await other.close();
      }
      await refused(
        await githubToken({ aud: 'https://elsewhere.example' }),
        'OIDC_INVALID',
        /trusts issuer/,
      );
      await refused(
        await githubToken({ aud: 'https://elsewhere.example' }),
        'OIDC_INVALID',
        /audience/,
        { policy: 'github-main' },
      );
    });

    it('refuses an audience given as several, expired, not yet valid and issued-in-the-future tokens', async () => {
      await refused(
        await githubToken({ aud: [audience, 'https://other.example'] }),
        'OIDC_INVALID',
        /./,
      );
      await refused(
        await github.sign(github.githubClaims({ repository_owner_id: '4242' }), {
          expiresIn: -120,
        }),
        'OIDC_INVALID',
        /expired/,
      );
      await refused(
        await github.sign(github.githubClaims({ repository_owner_id: '4242' }), { notBefore: 600 }),
        'OIDC_INVALID',
        /not (yet )?valid|nbf/i,
      );
      await refused(
        await github.sign(github.githubClaims({ repository_owner_id: '4242' }), {
          issuedAt: 600,
          expiresIn: 900,
        }),
        'OIDC_INVALID',
        /iat|issued/i,
      );
    });

    it('refuses a replayed jti, alg none, HS256 with the public key, and an unknown kid', async () => {
      const jwt = await githubToken();
      expect((await exchange(jwt)).statusCode).toBe(201);
      await refused(jwt, 'OIDC_INVALID', /already exchanged/);
      await refused(
        github.signNone(github.githubClaims({ repository_owner_id: '4242' })),
        'OIDC_INVALID',
        /alg/i,
      );
      await refused(
        await github.signHs256WithPublicKey(github.githubClaims({ repository_owner_id: '4242' })),
        'OIDC_INVALID',
        /alg|HS256/i,
      );
      await refused(
        await github.sign(github.githubClaims({ repository_owner_id: '4242' }), {
          kid: 'not-a-key',
        }),
        'OIDC_INVALID',
        /key/i,
      );
    });

    it('refuses claims that do not meet the conditions, listing each failed one', async () => {
      const owner = await refused(
        await githubToken({ repository_owner_id: '1' }),
        'OIDC_NO_MATCH',
        /repository_owner_id must equal "4242"/,
      );
      expect(owner.statusCode).toBe(403);
      expect(owner.json().error.message).not.toContain('"1"');
      await refused(
        await githubToken({ ref: 'refs/tags/v1' }),
        'OIDC_NO_MATCH',
        /ref must match "refs\/heads\/\*"/,
      );
    });

    it("refuses another organization's policy, and an organization without the enterprise plan", async () => {
      const root = await t.newSession({ instanceAdmin: true });
      const otherAdmin = await t.newSession();
      const team = await t.createOrg(root, { orgAdmin: otherAdmin, plan: 'team' });
      await refused(await githubToken(), 'OIDC_INVALID', /enterprise/, {}, team.key);
      // An enterprise organization naming a policy of another organization.
      const elsewhere = await t.createOrg(root, { orgAdmin: otherAdmin, plan: 'enterprise' });
      await refused(
        await githubToken(),
        'OIDC_INVALID',
        new RegExp(`"${elsewhere.key}" has no trust policy "${policyId}"`),
        { policy: policyId },
        elsewhere.key,
      );
      const policy = await t.request(otherAdmin, {
        method: 'POST',
        url: `/api/v1/orgs/${team.key}/trust-policies`,
        payload: {
          name: 'p',
          issuer: github.issuer,
          audience,
          claims: { repository_owner_id: '4242' },
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
        },
      });
      expect(policy.json().error.code).toBe('PLAN_REQUIRED');
    });

    it('refuses to save an http issuer that ORGTOKEN_OIDC_INSECURE_ISSUERS does not list, and unsafe conditions', async () => {
      const http = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/trust-policies`,
        payload: {
          name: 'plain',
          issuer: 'http://ci.example.test',
          audience,
          claims: { repository_owner_id: '1' },
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
        },
      });
      expect(http.statusCode).toBe(400);
      expect(http.json().error.field).toBe('/body/issuer');
      const anything = await t.request(admin, {
        method: 'POST',
        url: `/api/v1/orgs/${org.key}/trust-policies`,
        payload: {
          name: 'open',
          issuer: github.issuer,
          audience,
          claims: { repository: '*' },
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
        },
      });
      expect(anything.statusCode).toBe(400);
      expect(anything.json().error.field).toBe('/body/claims');
    });
  });

  it('dry-runs a token against a policy without using it up, naming each condition', async () => {
    const jwt = await githubToken({ ref: 'refs/tags/v2' });
    const check = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/trust-policies/${policyId}/check`,
      payload: { token: jwt },
    });
    expect(check.statusCode, check.body).toBe(200);
    expect(check.json()).toEqual({
      accepted: false,
      verification: { ok: true, reason: null },
      conditions: [
        { claim: 'repository_owner_id', expected: '4242', ok: true },
        { claim: 'ref', expected: 'refs/heads/*', ok: false, reason: 'mismatch' },
      ],
    });
    const good = await githubToken();
    const ok = await t.request(admin, {
      method: 'POST',
      url: `/api/v1/orgs/${org.key}/trust-policies/${policyId}/check`,
      payload: { token: good },
    });
    expect(ok.json().accepted).toBe(true);
    expect((await exchange(good)).statusCode).toBe(201);
  });

  it('prefers the policy with the most conditions, and advises immutable ids', async () => {
    const loose = await createPolicy(org.key, {
      name: 'loose-owner',
      issuer: github.issuer,
      claims: { repository_owner: 'octo-org' },
    });
    expect(loose.advice.join(' ')).toContain('repository_owner_id');
    const strict = await createPolicy(org.key, {
      name: 'strict',
      issuer: github.issuer,
      claims: { repository_owner_id: '4242', ref: 'refs/heads/main', repository: 'octo-org/*' },
    });
    const jwt = await githubToken({
      repository_owner: 'octo-org',
      repository: 'octo-org/api',
      ref: 'refs/heads/main',
    });
    const minted = await exchange(jwt);
    expect(minted.json().policy).toEqual({ id: strict.id, name: 'strict' });
  });

  it('lists a policy’s exchanges, revokes one there, and revokes every live token when the policy is deleted', async () => {
    const policy = await createPolicy(org.key, {
      name: 'short-lived',
      issuer: github.issuer,
      claims: { repository_owner_id: '5555' },
    });
    const mint = async () =>
      (
        await exchange(
          await github.sign(
            github.githubClaims({ repository_owner_id: '5555', repository: 'x/y' }),
          ),
          {
            policy: 'short-lived',
          },
        )
      ).json() as { token: string };
    const first = await mint();
    const second = await mint();
    const list = await t.request(admin, {
      url: `/api/v1/orgs/${org.key}/trust-policies/${policy.id}/exchanges`,
    });
    const items = list.json().items as Array<{ id: string; repository: string; status: string }>;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ repository: 'x/y', status: 'active' });
    const revoke = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/trust-policies/${policy.id}/exchanges/${items[1]?.id}`,
    });
    expect(revoke.json().status).toBe('revoked');
    expect((await withToken(t, first.token, { url: '/api/v1/me' })).statusCode).toBe(401);
    expect((await withToken(t, second.token, { url: '/api/v1/me' })).statusCode).toBe(200);
    const deleted = await t.request(admin, {
      method: 'DELETE',
      url: `/api/v1/orgs/${org.key}/trust-policies/${policy.id}`,
    });
    expect(deleted.statusCode).toBe(204);
    const after = await withToken(t, second.token, { url: '/api/v1/me' });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('TOKEN_REVOKED');
  });
});

describeEachEngine('secretless CI: refused exchanges are rate limited per address', (engine) => {
  it('answers RATE_LIMITED with Retry-After once an address is past its failures, before any verification', async () => {
    const t = await createTestApp(engine, {
      rateLimits: { tokenFailuresPerMinute: 3, passwordFailuresPer15Minutes: 100 },
    });
    try {
      const send = () =>
        t.request(null, {
          method: 'POST',
          url: '/api/v1/oidc/token',
          payload: { org: 'nobody', token: 'not.a.jwt' },
          remoteAddress: '203.0.113.9',
        });
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) codes.push((await send()).json().error.code);
      expect(codes.slice(0, 3)).toEqual(['OIDC_INVALID', 'OIDC_INVALID', 'OIDC_INVALID']);
      const limited = await send();
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
