import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenClient } from '../../src/cli/client.js';
import {
  freePort,
  runCli,
  type ServerProcess,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';
import { anySecret } from '../helpers/tokens.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };
const dayMs = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * dayMs).toISOString();

interface Token {
  id: string;
  name: string;
  token: string;
  expiresAt: string | null;
}

/** A SARIF 2.1.0 report with one result per given level. */
function sarif(levels: string[]): string {
  return JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'fixture-linter', rules: [{ id: 'no-eval' }] } },
        results: levels.map((level, index) => ({
          ruleId: 'no-eval',
          level,
          message: { text: 'eval can run arbitrary code' },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: 'src/index.js' },
                region: { startLine: index + 1 },
              },
            },
          ],
        })),
      },
    ],
  });
}

describe('the orgtoken command against a real server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-cli-'));
  const files = {
    clean: join(dir, 'clean.sarif'),
    failing: join(dir, 'failing.sarif'),
    generic: join(dir, 'generic.json'),
    notJson: join(dir, 'not-json.sarif'),
    missing: join(dir, 'missing.sarif'),
  };
  let server: ServerProcess;
  let env: { ORGTOKEN_URL: string };
  let session: { ORGTOKEN_URL: string; ORGTOKEN_EMAIL: string; ORGTOKEN_PASSWORD: string };
  const tokens = {} as Record<'ci' | 'webOnly' | 'expiringSoon' | 'revoked' | 'personal', Token>;
  /** The CLI against this server, authenticated by `token` (ORGTOKEN_TOKEN). */
  const runWithToken = (args: string[], token: string) =>
    runCli(args, { ...env, ORGTOKEN_TOKEN: token });

  beforeAll(async () => {
    writeFileSync(files.clean, sarif([]));
    writeFileSync(files.failing, sarif(['error']));
    writeFileSync(files.generic, JSON.stringify({ issues: [] }));
    writeFileSync(files.notJson, '{"version": "2.1.0", runs: [');

    server = await startServerProcess(serverEnv(`sqlite:${join(dir, 'cli.db')}`, admin));
    env = { ORGTOKEN_URL: server.url };
    session = { ...env, ORGTOKEN_EMAIL: admin.email, ORGTOKEN_PASSWORD: admin.password };

    const client = await signedIn(server.url, admin);
    const created = async (path: string, body: unknown) => {
      const response = await client.call('POST', path, body);
      if (response.status !== 201) throw new Error(`${path}: ${JSON.stringify(response.body)}`);
      return response.body;
    };
    await created('/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
    await created('/api/v1/orgs/acme/projects', { key: 'api', name: 'API' });
    await created('/api/v1/orgs/acme/projects', { key: 'web', name: 'Web' });
    const orgToken = async (name: string, overrides: Record<string, unknown> = {}) =>
      (await created('/api/v1/orgs/acme/tokens', {
        name,
        permissions: ['analysis:execute', 'project:browse'],
        projects: { mode: 'all' },
        expiresAt: inDays(90),
        ...overrides,
      })) as unknown as Token;
    tokens.ci = await orgToken('ci');
    tokens.webOnly = await orgToken('web-only', { projects: { mode: 'selected', keys: ['web'] } });
    tokens.expiringSoon = await orgToken('expiring-soon', { expiresAt: inDays(3) });
    tokens.revoked = await orgToken('revoked');
    await client.call('DELETE', `/api/v1/orgs/acme/tokens/${tokens.revoked.id}`);
    tokens.personal = (await created('/api/v1/user/tokens', {
      name: 'laptop',
      expiresAt: inDays(30),
    })) as unknown as Token;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('whoami', () => {
    it('names the organization token, its organization and scope', async () => {
      const json = await runWithToken(['whoami', '--json'], tokens.ci.token);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        type: 'organization_token',
        id: tokens.ci.id,
        name: 'ci',
        organization: { key: 'acme' },
      });
      const text = await runWithToken(['whoami'], tokens.ci.token);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/organization token:\s+ci\n/);
      expect(text.stdout).toMatch(/organization:\s+acme\n/);
      expect(text.stdout).toMatch(/projects:\s+all projects\n/);
      expect(text.stderr).toBe('');
    });

    it('names the user of a personal access token, read from SONAR_TOKEN and SONAR_HOST_URL', async () => {
      const result = await runCli(['whoami', '--json'], {
        SONAR_HOST_URL: server.url,
        SONAR_TOKEN: tokens.personal.token,
      });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        type: 'user',
        email: admin.email,
        authenticatedBy: 'personal_access_token',
      });
    });

    it('takes the server URL from --url before the environment', async () => {
      const unused = `http://127.0.0.1:${await freePort()}`;
      const result = await runCli(['whoami', '--url', server.url], {
        ORGTOKEN_URL: unused,
        ORGTOKEN_TOKEN: tokens.ci.token,
      });
      expect(result.code).toBe(0);
    });

    it('warns on stderr when the token expires within 7 days', async () => {
      const result = await runWithToken(['whoami'], tokens.expiringSoon.token);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        `warning: the token expires at ${tokens.expiringSoon.expiresAt}`,
      );
      expect(result.stdout).not.toContain('warning');
    });

    it('exits 2 without a token, naming the variables to set', async () => {
      const result = await runCli(['whoami'], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ORGTOKEN_TOKEN');
      expect(result.stdout).toBe('');
    });

    it('exits 2 on a token with a line break or a space inside, quoting no part of it', async () => {
      for (const [name, value] of [
        ['ORGTOKEN_TOKEN', 'sot_SECRET\nSECOND'],
        ['ORGTOKEN_TOKEN', `${tokens.ci.token}\r\nX-Injected: 1`],
        ['SONAR_TOKEN', `${tokens.ci.token.slice(0, 20)} ${tokens.ci.token.slice(20)}`],
        ['SONAR_TOKEN', 'sqp_SECRETVALUEOFASONARQUBETOKEN'],
      ] as const) {
        const result = await runCli(
          ['analyze', '--org', 'acme', '--project', 'backend-api', '--sarif', files.clean],
          { ...env, [name]: value },
        );
        const output = `${result.stdout}${result.stderr}`;
        expect(result.code, output).toBe(2);
        expect(result.stderr).toContain(name);
        expect(output).not.toContain('SECRET');
        expect(output).not.toContain('SECOND');
        expect(output).not.toContain(tokens.ci.token.slice(4, 20));
      }
    });

    it('exits 2 without a server URL', async () => {
      const result = await runCli(['whoami'], { ORGTOKEN_TOKEN: tokens.ci.token });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ORGTOKEN_URL');
    });

    it("exits 2 with the server's message and code for a revoked token", async () => {
      const result = await runWithToken(['whoami'], tokens.revoked.token);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('The token has been revoked.');
      expect(result.stderr).toContain('TOKEN_REVOKED');
    });

    it('exits 2 when the server cannot be reached', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const result = await runCli(['whoami'], {
        ORGTOKEN_URL: url,
        ORGTOKEN_TOKEN: tokens.ci.token,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot reach the server at ${url}`);
    });
  });

  describe('tokens', () => {
    it('creates, lists, shows, edits, rotates and revokes an organization token', async () => {
      const created = await runCli(
        [
          'tokens',
          'create',
          '--org',
          'acme',
          '--name',
          'deploy-bot',
          '--description',
          'deploys',
          '--permission',
          'analysis:execute',
          '--project',
          'api',
          '--pattern',
          'web*',
          '--expires-in-days',
          '30',
          '--json',
        ],
        session,
      );
      expect(created.code, created.stderr).toBe(0);
      const token = JSON.parse(created.stdout) as Token & Record<string, unknown>;
      expect(token).toMatchObject({
        name: 'deploy-bot',
        description: 'deploys',
        permissions: ['analysis:execute'],
        projects: { mode: 'selected', keys: ['api'], patterns: ['web*'] },
        status: 'active',
      });
      expect(token.token).toMatch(/^oto_[0-9A-Za-z]{36}$/);
      expect(Date.parse(token.expiresAt ?? '') - Date.now()).toBeGreaterThan(29 * dayMs);
      expect(created.stderr).toContain('it will not be shown again');
      // The new secret works: the CLI identifies it.
      const me = await runCli(['whoami', '--json'], { ...env, ORGTOKEN_TOKEN: token.token });
      expect(JSON.parse(me.stdout)).toMatchObject({ id: token.id, name: 'deploy-bot' });

      const listed = await runCli(['tokens', 'list', '--org', 'acme', '--json'], session);
      expect(listed.code).toBe(0);
      const items = JSON.parse(listed.stdout) as Token[];
      expect(items.map((item) => item.name)).toEqual(
        expect.arrayContaining(['deploy-bot', 'ci', 'web-only', 'expiring-soon', 'revoked']),
      );
      const searched = await runCli(
        ['tokens', 'list', '--org', 'acme', '--search', 'deploy', '--json'],
        session,
      );
      expect((JSON.parse(searched.stdout) as Token[]).map((item) => item.id)).toEqual([token.id]);
      const revokedOnly = await runCli(
        ['tokens', 'list', '--org', 'acme', '--status', 'revoked', '--json'],
        session,
      );
      expect((JSON.parse(revokedOnly.stdout) as Token[]).map((item) => item.name)).toEqual([
        'revoked',
      ]);
      const table = await runCli(['tokens', 'list', '--org', 'acme'], session);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+PERMISSIONS\s+PROJECTS\s+EXPIRES/);
      expect(table.stdout).toMatch(new RegExp(`${token.id}\\s+deploy-bot\\s+active\\s`));

      const shown = await runCli(['tokens', 'show', token.id, '--org', 'acme', '--json'], session);
      expect(JSON.parse(shown.stdout)).toMatchObject({ id: token.id, name: 'deploy-bot' });
      const details = await runCli(['tokens', 'show', token.id, '--org', 'acme'], session);
      expect(details.stdout).toMatch(/name:\s+deploy-bot\n/);
      expect(details.stdout).toMatch(/projects:\s+api, web\*\n/);

      const edited = await runCli(
        [
          'tokens',
          'edit',
          token.id,
          '--org',
          'acme',
          '--name',
          'deploy-bot-2',
          '--all-projects',
          '--permission',
          'analysis:execute,project:browse',
          '--json',
        ],
        session,
      );
      expect(edited.code, edited.stderr).toBe(0);
      expect(JSON.parse(edited.stdout)).toMatchObject({
        name: 'deploy-bot-2',
        description: 'deploys',
        permissions: ['analysis:execute', 'project:browse'],
        projects: { mode: 'all' },
      });

      const rotated = await runCli(
        ['tokens', 'rotate', token.id, '--org', 'acme', '--grace-period-seconds', '0', '--json'],
        session,
      );
      expect(rotated.code, rotated.stderr).toBe(0);
      const replaced = JSON.parse(rotated.stdout) as Token;
      expect(replaced.id).toBe(token.id);
      expect(replaced.token).toMatch(/^oto_/);
      expect(replaced.token).not.toBe(token.token);
      expect(rotated.stderr).toContain('it will not be shown again');
      const old = await runCli(['whoami'], { ...env, ORGTOKEN_TOKEN: token.token });
      expect(old.code).toBe(2);
      expect(old.stderr).toContain('TOKEN_ROTATED');

      const revoked = await runCli(
        ['tokens', 'revoke', token.id, '--org', 'acme', '--json'],
        session,
      );
      expect(revoked.code).toBe(0);
      expect(JSON.parse(revoked.stdout)).toMatchObject({ id: token.id, status: 'revoked' });
      const after = await runCli(['whoami'], { ...env, ORGTOKEN_TOKEN: replaced.token });
      expect(after.code).toBe(2);
      expect(after.stderr).toContain('TOKEN_REVOKED');

      // A secret is printed by create and rotate, and by nothing else.
      for (const result of [listed, searched, table, shown, details, edited, revoked]) {
        expect(`${result.stdout}${result.stderr}`).not.toMatch(anySecret);
      }
    });

    it('lists expiring and stale tokens with --expiring and --stale, and rotates with --grace-until-first-use', async () => {
      const made = await runCli(
        [
          'tokens',
          'create',
          '--org',
          'acme',
          '--name',
          'soon-bot',
          '--permission',
          'analysis:execute',
          '--all-projects',
          '--expires-in-days',
          '20',
          '--json',
        ],
        session,
      );
      expect(made.code, made.stderr).toBe(0);
      const token = JSON.parse(made.stdout) as Token;
      const ids = async (...flags: string[]) => {
        const listed = await runCli(
          ['tokens', 'list', '--org', 'acme', '--json', ...flags],
          session,
        );
        expect(listed.code, listed.stderr).toBe(0);
        return (JSON.parse(listed.stdout) as Token[]).map((t) => t.id);
      };
      expect(await ids('--expiring')).toContain(token.id);
      expect(await ids('--expiring', '10')).not.toContain(token.id);
      // Nothing has been unused for 60 days on a server that just started.
      expect(await ids('--stale')).toEqual([]);
      const none = await runCli(['tokens', 'list', '--org', 'acme', '--stale'], session);
      expect(none.stdout).toContain('No organization tokens.');

      const rotated = await runCli(
        ['tokens', 'rotate', token.id, '--org', 'acme', '--grace-until-first-use', '--json'],
        session,
      );
      expect(rotated.code, rotated.stderr).toBe(0);
      const fresh = (JSON.parse(rotated.stdout) as Token).token;
      // The old secret works until the new one is first used, then it is TOKEN_ROTATED.
      expect((await runCli(['whoami'], { ...env, ORGTOKEN_TOKEN: token.token })).code).toBe(0);
      expect((await runCli(['whoami'], { ...env, ORGTOKEN_TOKEN: fresh })).code).toBe(0);
      let old = await runCli(['whoami'], { ...env, ORGTOKEN_TOKEN: token.token });
      for (let i = 0; i < 20 && old.code === 0; i++) {
        // The grace ends off the request path, a moment after the first use.
        await new Promise((resolve) => setTimeout(resolve, 100));
        old = await runCli(['whoami'], { ...env, ORGTOKEN_TOKEN: token.token });
      }
      expect(old.code).toBe(2);
      expect(old.stderr).toContain('TOKEN_ROTATED');
      const tooLong = await runCli(
        ['tokens', 'rotate', token.id, '--org', 'acme', '--grace-period-seconds', '90000'],
        session,
      );
      expect(tooLong.code).toBe(2);
      expect(tooLong.stderr).toContain('graceUntilFirstUse');
    });

    it('prints the secret alone on stdout for people, and the rest on stderr', async () => {
      const created = await runCli(
        [
          'tokens',
          'create',
          '--org',
          'acme',
          '--name',
          'for-a-person',
          '--permission',
          'project:browse',
        ],
        session,
      );
      // No scope given: a usage error before anything is created.
      expect(created.code).toBe(2);
      expect(created.stderr).toContain('--all-projects');

      const made = await runCli(
        [
          'tokens',
          'create',
          '--org',
          'acme',
          '--name',
          'for-a-person',
          '--permission',
          'project:browse',
          '--all-projects',
        ],
        session,
      );
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toMatch(/^oto_[0-9A-Za-z]{36}\n$/);
      expect(made.stderr).toContain('Created organization token "for-a-person"');
      expect(made.stderr).toContain('Store it securely: it will not be shown again.');
      expect(made.stderr).not.toMatch(anySecret);
      const id = /\(([0-9a-f-]{36})\)/.exec(made.stderr)?.[1] ?? '';

      const rotated = await runCli(['tokens', 'rotate', id, '--org', 'acme'], session);
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stdout).toMatch(/^oto_[0-9A-Za-z]{36}\n$/);
      expect(rotated.stdout).not.toBe(made.stdout);
      expect(rotated.stderr).not.toMatch(anySecret);
    });

    it('exits 2 without a signed-in person: a token cannot manage tokens', async () => {
      const result = await runWithToken(['tokens', 'list', '--org', 'acme'], tokens.personal.token);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ORGTOKEN_EMAIL');
    });

    it("exits 2 with the server's message for a wrong password", async () => {
      const result = await runCli(['tokens', 'list', '--org', 'acme'], {
        ...session,
        ORGTOKEN_PASSWORD: 'not the password',
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('INVALID_CREDENTIALS');
    });

    it('exits 2 on usage errors: no --org, an unknown permission, clashing flags', async () => {
      for (const args of [
        ['tokens', 'list'],
        ['tokens', 'create', '--org', 'acme', '--name', 'x', '--permission', 'admin:all'],
        [
          'tokens',
          'create',
          '--org',
          'acme',
          '--name',
          'x',
          '--no-expiry',
          '--expires-at',
          '2030-01-01',
        ],
        ['tokens', 'edit', tokens.ci.id, '--org', 'acme'],
        ['tokens'],
      ]) {
        const result = await runCli(args, session);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr, args.join(' ')).not.toBe('');
      }
    });
  });

  describe('analyze', () => {
    const analyze = (file: string, extra: string[] = []) => [
      'analyze',
      '--org',
      'acme',
      '--project',
      'api',
      '--sarif',
      file,
      ...extra,
    ];

    it('exits 2 when neither --sarif nor --generic is given', async () => {
      const result = await runWithToken(
        ['analyze', '--org', 'acme', '--project', 'api'],
        tokens.ci.token,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--sarif');
    });

    it('exits 2 when both --sarif and --generic are given, or --project is missing', async () => {
      const both = await runWithToken(
        [...analyze(files.clean), '--generic', files.generic],
        tokens.ci.token,
      );
      expect(both.code).toBe(2);
      const noProject = await runWithToken(
        ['analyze', '--org', 'acme', '--sarif', files.clean],
        tokens.ci.token,
      );
      expect(noProject.code).toBe(2);
      expect(noProject.stderr).toContain('--project');
    });

    it('exits 2 for a file it cannot read, and for a file that is not JSON', async () => {
      const missing = await runWithToken(analyze(files.missing), tokens.ci.token);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`cannot read ${files.missing}`);
      const notJson = await runWithToken(analyze(files.notJson), tokens.ci.token);
      expect(notJson.code).toBe(2);
      expect(notJson.stderr).toContain(`${files.notJson} is not valid JSON`);
    });

    it('exits 2 without a token', async () => {
      const result = await runCli(analyze(files.clean), env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ORGTOKEN_TOKEN');
    });

    it('exits 2 when the server cannot be reached', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const result = await runCli(analyze(files.clean), {
        ORGTOKEN_URL: url,
        ORGTOKEN_TOKEN: tokens.ci.token,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot reach the server at ${url}`);
    });

    // The tests below need POST /api/v1/orgs/{org}/projects/{projectKey}/analyses.

    it('exits 0 and prints the summary when the quality gate passes', async () => {
      const result = await runCli(
        analyze(files.clean, ['--branch', 'main', '--commit', 'abc123']),
        {
          ...env,
          ORGTOKEN_TOKEN: tokens.ci.token,
        },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('of project api (branch main, commit abc123)');
      expect(result.stdout).toContain('Issues: 0 errors, 0 warnings, 0 notes (0 in all)');
      expect(result.stdout).toContain('Quality gate: passed');
    });

    it('exits 1 and names the failed condition when the quality gate fails', async () => {
      const text = await runWithToken(analyze(files.failing), tokens.ci.token);
      expect(text.code, text.stderr).toBe(1);
      expect(text.stdout).toContain('Issues: 1 error, 0 warnings, 0 notes (1 in all)');
      expect(text.stdout).toContain('Quality gate: failed');
      expect(text.stdout).toMatch(/errors\s+1\s+0\s+failed/);

      const json = await runWithToken(analyze(files.failing, ['--json']), tokens.ci.token);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        projectKey: 'api',
        summary: { errors: 1, total: 1 },
        qualityGate: {
          status: 'failed',
          conditions: [{ metric: 'errors', threshold: 0, actual: 1, passed: false }],
        },
        submittedBy: { type: 'organization_token', id: tokens.ci.id },
      });
    });

    it('uploads a generic issue report with --generic', async () => {
      const result = await runCli(
        ['analyze', '--org', 'acme', '--project', 'api', '--generic', files.generic, '--json'],
        { ...env, ORGTOKEN_TOKEN: tokens.ci.token },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ summary: { total: 0 } });
    });

    it('warns on stderr when the token expires within 7 days, and still uploads', async () => {
      const result = await runWithToken(analyze(files.clean), tokens.expiringSoon.token);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(
        `warning: the token expires at ${tokens.expiringSoon.expiresAt}`,
      );
    });

    it("exits 2 with the server's message for a token whose scope lacks the project", async () => {
      const result = await runWithToken(analyze(files.clean), tokens.webOnly.token);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('PROJECT_OUT_OF_SCOPE');
      expect(result.stderr).toContain("outside the token's project scope");
    });

    it("exits 2 with the server's message for a revoked token", async () => {
      const result = await runWithToken(analyze(files.clean), tokens.revoked.token);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('TOKEN_REVOKED');
    });

    it('exits 2 naming the plan that is needed after a downgrade', async () => {
      const client = await signedIn(server.url, admin);
      await client.call('POST', '/api/v1/orgs', { key: 'shrinking', name: 'S', plan: 'team' });
      await client.call('POST', '/api/v1/orgs/shrinking/projects', { key: 'api', name: 'API' });
      const token = (
        await client.call('POST', '/api/v1/orgs/shrinking/tokens', {
          name: 'ci',
          permissions: ['analysis:execute'],
          projects: { mode: 'all' },
          expiresAt: inDays(90),
        })
      ).body as unknown as Token;
      await client.call('PATCH', '/api/v1/orgs/shrinking', { plan: 'free' });
      const result = await runWithToken(
        ['analyze', '--org', 'shrinking', '--project', 'api', '--sarif', files.clean],
        token.token,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('PLAN_REQUIRED');
      expect(result.stderr).toContain('Organization tokens need the team plan or higher.');
    });
  });
});

describe('the CLI client', () => {
  it('never quotes a header value it cannot send, the token included', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const refusal = await tokenClient(url, 'oto_SECRET\nSECOND')
      .request('GET', '/api/v1/me')
      .then(
        () => null,
        (error: unknown) => error as Error,
      );
    expect(refusal?.message).toContain(`cannot reach the server at ${url}`);
    expect(refusal?.message).not.toContain('SECRET');
    expect(refusal?.message).not.toContain('SECOND');
  });
});
