import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcIssuer, startOidcIssuer } from '../helpers/oidc-issuer.js';
import {
  runCli,
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };
const ownerId = '5820147'; // githubClaims()' repository_owner_id
const gitlabAudience = 'https://orgtoken.gitlab.example';
const namedAudience = 'orgtoken-ci';
const flakyAudience = 'orgtoken-flaky';
const anySecret = /ot[oue]_[0-9A-Za-z]{36}/;

/** A SARIF 2.1.0 report without results: its quality gate passes. */
const cleanSarif = JSON.stringify({
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'fixture-linter', rules: [] } }, results: [] }],
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * GitHub Actions' ID token endpoint as a runner offers it: ACTIONS_ID_TOKEN_REQUEST_URL has
 * a query string of its own (`api-version`), the caller adds `audience` and sends the request
 * token as a bearer token, and the answer is `{"value": "<jwt>"}`, signed by the test issuer
 * with GitHub's claims for that audience.
 */
interface Runner {
  /** ACTIONS_ID_TOKEN_REQUEST_URL. */
  requestUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** The audiences asked for and the JWTs handed out, in order. */
  audiences: string[];
  served: string[];
  /** Claims the next tokens carry instead of githubClaims()' own. */
  claims: Record<string, unknown>;
  /** How many of the next requests answer 503 before one is served. */
  failures: number;
  server: Server;
}

async function startRunner(issuer: OidcIssuer): Promise<Runner> {
  const requestToken = randomBytes(24).toString('hex');
  const runner = {
    requestToken,
    audiences: [],
    served: [],
    claims: {},
    failures: 0,
  } as unknown as Runner;
  runner.server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://runner');
    const answer = (status: number, body: unknown) => {
      response.statusCode = status;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    };
    if (url.pathname !== '/idtoken' || url.searchParams.get('api-version') !== '2.0') {
      return answer(404, { message: 'not the ID token endpoint, or its query string was lost' });
    }
    if (request.headers.authorization !== `bearer ${requestToken}`) {
      return answer(401, { message: 'bad request token' });
    }
    if (runner.failures > 0) {
      runner.failures -= 1;
      return answer(503, { message: 'busy' });
    }
    const audience = url.searchParams.get('audience');
    if (!audience) return answer(400, { message: 'no audience' });
    runner.audiences.push(audience);
    void issuer.sign(issuer.githubClaims({ aud: audience, ...runner.claims })).then((jwt) => {
      runner.served.push(jwt);
      answer(200, { value: jwt });
    });
  });
  runner.requestUrl = `${await listen(runner.server)}/idtoken?api-version=2.0`;
  return runner;
}

/**
 * An issuer in front of a test issuer whose first `failures` requests answer 503, as an
 * issuer down for a moment does: the exchange answers OIDC_ISSUER_UNAVAILABLE until it is back.
 */
async function startFlakyIssuer(
  behind: OidcIssuer,
): Promise<{ url: string; server: Server; failures: number }> {
  const flaky = { url: '', failures: 0, server: undefined as unknown as Server };
  flaky.server = createServer((request, response) => {
    if (flaky.failures > 0) {
      flaky.failures -= 1;
      response.statusCode = 503;
      response.end();
      return;
    }
    const origin = new URL(behind.issuer).origin;
    void fetch(`${origin}${request.url ?? '/'}`).then(async (answer) => {
      response.statusCode = answer.status;
      response.setHeader('content-type', 'application/json');
      response.end(await answer.text());
    });
  });
  flaky.url = await listen(flaky.server);
  behind.setDiscovery({ issuer: flaky.url, jwks_uri: `${flaky.url}/jwks` });
  return flaky;
}

describe('orgtoken analyze and whoami exchange the CI’s identity token when no token is set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-cli-oidc-'));
  const report = join(dir, 'clean.sarif');
  let issuer: OidcIssuer;
  let flakyBehind: OidcIssuer;
  let flaky: Awaited<ReturnType<typeof startFlakyIssuer>>;
  let runner: Runner;
  let server: ServerProcess;
  let session: SessionClient;
  // Set to empty (which counts as unset) so that a CI running these tests lends them nothing.
  const noCi = {
    ACTIONS_ID_TOKEN_REQUEST_URL: '',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: '',
    ORGTOKEN_ID_TOKEN: '',
    ORGTOKEN_OIDC_AUDIENCE: '',
    ORGTOKEN_OIDC_POLICY: '',
  };
  let env: Record<string, string>;
  let inGithubActions: Record<string, string>;
  const analyze = ['analyze', '--org', 'ent', '--project', 'api', '--sarif', report];

  beforeAll(async () => {
    writeFileSync(report, cleanSarif);
    issuer = await startOidcIssuer();
    flakyBehind = await startOidcIssuer();
    flaky = await startFlakyIssuer(flakyBehind);
    runner = await startRunner(issuer);
    server = await startServerProcess({
      ...serverEnv(`sqlite:${join(dir, 'cli-oidc.db')}`, admin),
      ORGTOKEN_OIDC_INSECURE_ISSUERS: `${issuer.issuer},${flaky.url}`,
    });
    env = { ...noCi, ORGTOKEN_URL: server.url };
    inGithubActions = {
      ...env,
      ACTIONS_ID_TOKEN_REQUEST_URL: runner.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: runner.requestToken,
    };

    session = await signedIn(server.url, admin);
    const created = async (path: string, body: unknown) => {
      const response = await session.call('POST', path, body);
      if (response.status !== 201) throw new Error(`${path}: ${JSON.stringify(response.body)}`);
      return response.body;
    };
    // Trust policies need the enterprise plan.
    await created('/api/v1/orgs', { key: 'ent', name: 'Enterprise', plan: 'enterprise' });
    await created('/api/v1/orgs/ent/projects', { key: 'api', name: 'API' });
    const policy = (name: string, fields: Record<string, unknown>) =>
      created('/api/v1/orgs/ent/trust-policies', {
        name,
        issuer: issuer.issuer,
        permissions: ['analysis:execute'],
        projects: { mode: 'all' },
        ...fields,
      });
    // The CLI's default audience: the server URL, as ORGTOKEN_URL gives it.
    await policy('github-main', {
      audience: server.url,
      claims: { repository_owner_id: ownerId, ref: 'refs/heads/*' },
    });
    await policy('github-named', {
      audience: namedAudience,
      claims: { repository_owner_id: ownerId },
    });
    await policy('gitlab-protected', {
      audience: gitlabAudience,
      claims: { project_id: '88231', ref_protected: 'true' },
    });
    await policy('flaky-issuer', {
      issuer: flaky.url,
      audience: flakyAudience,
      claims: { repository_owner_id: ownerId },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all([close(runner?.server), close(flaky?.server)]);
    await Promise.all([issuer?.close(), flakyBehind?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The analysis as the server stores it, read back with the admin's session. */
  const storedAnalysis = async (id: string) => {
    const response = await session.call('GET', `/api/v1/orgs/ent/projects/api/analyses/${id}`);
    expect(response.status).toBe(200);
    return response.body as { submittedBy: { type: string }; ci: { policy: { name: string } } };
  };

  /** Neither the JWTs nor any token secret nor the runner's request token reached the output. */
  const expectNoSecret = (output: string, jwts: string[]) => {
    for (const jwt of jwts) expect(output).not.toContain(jwt);
    expect(output).not.toMatch(anySecret);
    expect(output).not.toContain(runner.requestToken);
  };

  it('in GitHub Actions: asks the runner for a JWT for the server URL, exchanges it and uploads with the ote_ token', async () => {
    const servedBefore = runner.served.length;
    const result = await runCli([...analyze, '--json'], inGithubActions);
    const output = `${result.stdout}${result.stderr}`;
    expect(result.code, output).toBe(0);
    expect(runner.audiences.at(-1)).toBe(server.url);
    expect(runner.served).toHaveLength(servedBefore + 1);
    const analysis = JSON.parse(result.stdout) as { id: string };
    expect(analysis).toMatchObject({
      submittedBy: { type: 'ephemeral_token' },
      ci: { policy: { name: 'github-main' }, run: { repository: 'lumen-works/ledger-api' } },
    });
    expect(await storedAnalysis(analysis.id)).toMatchObject({
      submittedBy: { type: 'ephemeral_token' },
      ci: { policy: { name: 'github-main' } },
    });
    expect(result.stderr).toContain('under trust policy "github-main"');
    // An ote_ token is never warned about as expiring: it lives minutes and is never rotated.
    expect(result.stderr).not.toContain('rotate it');
    expectNoSecret(output, runner.served);
  });

  it('asks for ORGTOKEN_OIDC_AUDIENCE and names ORGTOKEN_OIDC_POLICY to the server', async () => {
    const result = await runCli([...analyze, '--json'], {
      ...inGithubActions,
      ORGTOKEN_OIDC_AUDIENCE: namedAudience,
      ORGTOKEN_OIDC_POLICY: 'github-named',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(runner.audiences.at(-1)).toBe(namedAudience);
    expect(JSON.parse(result.stdout)).toMatchObject({ ci: { policy: { name: 'github-named' } } });

    const unknown = await runCli(analyze, {
      ...inGithubActions,
      ORGTOKEN_OIDC_AUDIENCE: namedAudience,
      ORGTOKEN_OIDC_POLICY: 'no-such-policy',
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('OIDC_INVALID');
    expect(unknown.stderr).toContain('no-such-policy');
  });

  it('tries the runner’s endpoint again when it is busy', async () => {
    runner.failures = 1;
    const result = await runCli(analyze, inGithubActions);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('answered 503');
    expect(result.stderr).toContain('trying again in 1 s');
    expect(runner.failures).toBe(0);
  });

  it('with a JWT in ORGTOKEN_ID_TOKEN, as GitLab’s id_tokens gives it, exchanges that one', async () => {
    const servedBefore = runner.served.length;
    const jwt = await issuer.sign(issuer.gitlabClaims({ aud: gitlabAudience }));
    const result = await runCli([...analyze, '--json'], { ...env, ORGTOKEN_ID_TOKEN: jwt });
    const output = `${result.stdout}${result.stderr}`;
    expect(result.code, output).toBe(0);
    const analysis = JSON.parse(result.stdout) as { id: string };
    expect(analysis).toMatchObject({
      submittedBy: { type: 'ephemeral_token' },
      ci: { policy: { name: 'gitlab-protected' }, run: { repository: 'harbor-labs/tide-service' } },
    });
    expect(await storedAnalysis(analysis.id)).toMatchObject({
      submittedBy: { type: 'ephemeral_token' },
      ci: { policy: { name: 'gitlab-protected' } },
    });
    expect(result.stderr).toContain('(ORGTOKEN_ID_TOKEN)');
    expectNoSecret(output, [jwt]);

    // ORGTOKEN_ID_TOKEN wins over the runner's endpoint: the runner was not asked.
    expect(runner.served).toHaveLength(servedBefore);
    const replayed = await runCli(analyze, { ...inGithubActions, ORGTOKEN_ID_TOKEN: jwt });
    expect(replayed.code).toBe(2);
    expect(replayed.stderr).toContain('OIDC_INVALID');
    expect(replayed.stderr).toContain('already exchanged');
    expect(runner.served).toHaveLength(servedBefore);
    expectNoSecret(`${replayed.stdout}${replayed.stderr}`, [jwt]);
  });

  it('exits 2 with OIDC_NO_MATCH naming each failed claim, and never prints the JWT', async () => {
    runner.claims = { repository_owner_id: '1000001', ref: 'refs/pull/5/merge' };
    try {
      const result = await runCli(analyze, inGithubActions);
      const output = `${result.stdout}${result.stderr}`;
      expect(result.code, output).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('OIDC_NO_MATCH');
      expect(result.stderr).toContain(`repository_owner_id must equal "${ownerId}"`);
      expect(result.stderr).toContain('ref must match "refs/heads/*"');
      expectNoSecret(output, runner.served);
    } finally {
      runner.claims = {};
    }

    const gitlabJwt = await issuer.sign(
      issuer.gitlabClaims({ aud: gitlabAudience, ref_protected: 'false' }),
    );
    const gitlab = await runCli(analyze, { ...env, ORGTOKEN_ID_TOKEN: gitlabJwt });
    expect(gitlab.code).toBe(2);
    expect(gitlab.stderr).toContain('OIDC_NO_MATCH');
    expect(gitlab.stderr).toContain('ref_protected must equal "true"');
    expectNoSecret(`${gitlab.stdout}${gitlab.stderr}`, [gitlabJwt]);
  });

  it('waits out OIDC_ISSUER_UNAVAILABLE as its Retry-After asks, within --timeout', async () => {
    flaky.failures = 1;
    const jwt = await flakyBehind.sign(
      flakyBehind.githubClaims({ iss: flaky.url, aud: flakyAudience }),
    );
    const result = await runCli([...analyze, '--json', '--timeout', '30'], {
      ...env,
      ORGTOKEN_ID_TOKEN: jwt,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('503 OIDC_ISSUER_UNAVAILABLE; trying again in 5 s');
    expect(flaky.failures).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ci: { policy: { name: 'flaky-issuer' } } });
  });

  it('uses ORGTOKEN_TOKEN when it is set, even in GitHub Actions', async () => {
    const token = (await session.call('POST', '/api/v1/orgs/ent/tokens', {
      name: 'static',
      permissions: ['analysis:execute'],
      projects: { mode: 'all' },
      expiresAt: new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString(),
    })) as { status: number; body: { token: string } };
    expect(token.status).toBe(201);
    const servedBefore = runner.served.length;
    const result = await runCli([...analyze, '--json'], {
      ...inGithubActions,
      ORGTOKEN_TOKEN: token.body.token,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      submittedBy: { type: 'organization_token', name: 'static' },
      ci: null,
    });
    expect(runner.served).toHaveLength(servedBefore);
  });

  it('whoami --org shows the ephemeral token’s trust policy and CI run', async () => {
    const text = await runCli(['whoami', '--org', 'ent'], inGithubActions);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/ephemeral token:\s+github-main /);
    expect(text.stdout).toMatch(/trust policy:\s+github-main \(/);
    expect(text.stdout).toMatch(/repository:\s+lumen-works\/ledger-api/);
    expect(text.stdout).toMatch(/ref:\s+refs\/heads\/main/);
    expect(text.stdout).toMatch(/run:\s+8811223344/);
    expect(text.stdout).toMatch(/permissions:\s+analysis:execute/);
    expectNoSecret(`${text.stdout}${text.stderr}`, runner.served);

    const json = await runCli(['whoami', '--org', 'ent', '--json'], inGithubActions);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      type: 'ephemeral_token',
      organization: { key: 'ent' },
      policy: { name: 'github-main' },
      run: { issuer: issuer.issuer, repository: 'lumen-works/ledger-api', runId: '8811223344' },
    });
  });

  it('whoami without a token or --org exits 2 and says to pass --org', async () => {
    const servedBefore = runner.served.length;
    const result = await runCli(['whoami'], inGithubActions);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--org');
    expect(runner.served).toHaveLength(servedBefore);
  });

  it('exits 2 with neither a token nor a CI identity, naming both ways', async () => {
    const result = await runCli(analyze, env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ORGTOKEN_TOKEN');
    expect(result.stderr).toContain('ORGTOKEN_ID_TOKEN');
    expect(result.stderr).toContain('id-token: write');
  });

  it('refuses an ORGTOKEN_ID_TOKEN that is not a JWT by the variable’s name, quoting none of it', async () => {
    const result = await runCli(analyze, {
      ...env,
      ORGTOKEN_ID_TOKEN: 'SECRETPART\nX-Injected: 1',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ORGTOKEN_ID_TOKEN does not hold a JWT');
    expect(`${result.stdout}${result.stderr}`).not.toContain('SECRETPART');
  });
});
