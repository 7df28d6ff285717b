import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSarif, lintFixture } from '../helpers/reports.js';
import {
  runProcess,
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';

const admin = { email: 'root@example.test', password: 'a long admin password' };
const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Every node_modules folder Node.js would look in for a package imported from `dir`. */
function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) found.push(join(at, 'node_modules'));
    if (dirname(at) === at) return found;
  }
}

describe('the CLI served by the server, in a directory where nothing is installed', () => {
  const data = mkdtempSync(join(tmpdir(), 'orgtoken-served-cli-data-'));
  // A pipeline's fresh workspace: nothing in it but what the job downloads.
  const workspace = mkdtempSync(join(tmpdir(), 'orgtoken-served-cli-'));
  const report = join(data, 'eslint.sarif');
  let server: ServerProcess;
  let client: SessionClient;
  let token: string;

  /** `node orgtoken.mjs <args>` in the workspace, with only PATH and the CI variables set. */
  const runServedCli = async (args: string[], env: Record<string, string> = {}) => {
    return runProcess([process.execPath, 'orgtoken.mjs', ...args], {
      cwd: workspace,
      env: {
        PATH: process.env.PATH ?? '',
        ORGTOKEN_URL: server.url,
        ORGTOKEN_TOKEN: token,
        ...env,
      },
    });
  };

  beforeAll(async () => {
    writeFileSync(report, (await lintFixture()).eslintSarif);
    server = await startServerProcess({
      ...serverEnv(`sqlite:${join(data, 'served-cli.db')}`, admin),
      ORGTOKEN_PUBLIC_URL: 'https://orgtoken.example.test/',
    });
    client = await signedIn(server.url, admin);
    await client.call('POST', '/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
    await client.call('POST', '/api/v1/orgs/acme/projects', { key: 'web', name: 'Web' });
    const created = await client.call('POST', '/api/v1/orgs/acme/tokens', {
      name: 'ci',
      permissions: ['analysis:execute'],
      projects: { mode: 'selected', keys: ['web'] },
      expiresAt: null,
    });
    expect(created.status).toBe(201);
    token = created.body.token as string;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(data, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  });

  it('downloads one file whose SHA-256 is the one /cli/orgtoken.mjs.sha256 answers, as sha256sum -c reads it', async () => {
    expect(readdirSync(workspace)).toEqual([]);
    expect(nodeModulesAbove(workspace)).toEqual([]);
    const file = await fetch(`${server.url}/cli/orgtoken.mjs`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bytes = Buffer.from(await file.arrayBuffer());
    writeFileSync(join(workspace, 'orgtoken.mjs'), bytes);

    const checksum = await (await fetch(`${server.url}/cli/orgtoken.mjs.sha256`)).text();
    const digest = createHash('sha256').update(bytes).digest('hex');
    expect(checksum).toBe(`${digest}  orgtoken.mjs\n`);
    const check = spawnSync('sha256sum', ['-c', '-'], {
      cwd: workspace,
      input: checksum,
      encoding: 'utf8',
    });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toBe('orgtoken.mjs: OK\n');
    expect(readdirSync(workspace)).toEqual(['orgtoken.mjs']);
  });

  it("is the server's own version", async () => {
    const result = await runServedCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(packageVersion);
    const info = await client.call('GET', '/api/v1/server');
    expect(info.body).toEqual({
      version: packageVersion,
      publicUrl: 'https://orgtoken.example.test',
    });
  });

  it('runs analyze with a real ESLint SARIF report: exit 1 on a failed quality gate, 0 on a passed one', async () => {
    const counts = countSarif(readFileSync(report, 'utf8'));
    // The default gate allows no error; the fixture has some, so the gate fails.
    expect(counts.errors).toBeGreaterThan(0);
    const args = ['analyze', '--org', 'acme', '--project', 'web', '--sarif', report];
    const failed = await runServedCli(args);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toContain('Quality gate: failed');
    expect(failed.stdout).toContain(`(${counts.total} in all)`);

    const gate = await client.call('PUT', '/api/v1/orgs/acme/projects/web/quality-gate', {
      maxErrors: counts.errors,
      maxWarnings: null,
    });
    expect(gate.status).toBe(200);
    const passed = await runServedCli(args);
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stdout).toContain('Quality gate: passed');

    const analyses = await client.call('GET', '/api/v1/orgs/acme/projects/web/analyses');
    expect(analyses.body.items).toHaveLength(2);
  });

  it('lists and shows the tokens of a downgraded organization as suspended, naming the plan that restores them', async () => {
    const person = { ORGTOKEN_EMAIL: admin.email, ORGTOKEN_PASSWORD: admin.password };
    const setPlan = async (plan: string) =>
      expect((await client.call('PATCH', '/api/v1/orgs/acme', { plan })).status).toBe(200);
    await setPlan('free');
    try {
      const list = await runServedCli(['tokens', 'list', '--org', 'acme'], person);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/\bci\s+suspended\s+analysis:execute\s+web\b/);
      expect(list.stderr).toBe(
        'orgtoken: suspended tokens are refused while the organization is on the free plan: Organization tokens need the team plan or higher.\n',
      );
      const filtered = await runServedCli(
        ['tokens', 'list', '--org', 'acme', '--status', 'suspended', '--json'],
        person,
      );
      const tokens = JSON.parse(filtered.stdout) as Array<{ id: string; status: string }>;
      expect(tokens.map((t) => t.status)).toEqual(['suspended']);
      const show = await runServedCli(
        ['tokens', 'show', tokens[0]?.id ?? '', '--org', 'acme'],
        person,
      );
      expect(show.stdout).toMatch(/^status:\s+suspended$/m);
      expect(show.stderr).toContain('Organization tokens need the team plan or higher.');
      const refused = await runServedCli(['whoami']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('PLAN_REQUIRED');
    } finally {
      await setPlan('team');
    }
    const restored = await runServedCli(['tokens', 'list', '--org', 'acme'], person);
    expect(restored.stdout).toMatch(/\bci\s+active\b/);
    expect(restored.stderr).toBe('');
  });

  it('refuses a revoked token with exit 2, as the packaged CLI does', async () => {
    const listed = await client.call('GET', '/api/v1/orgs/acme/tokens');
    const id = (listed.body.items as Array<{ id: string }>)[0]?.id;
    await client.call('DELETE', `/api/v1/orgs/acme/tokens/${id}`);
    const result = await runServedCli(['whoami']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TOKEN_REVOKED');
  });
});
