import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, freshDatabaseUrl } from '../helpers/engines.js';
import {
  type CliResult,
  runProcess,
  type ServerProcess,
  type SessionClient,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';
import { ceTaskShape, expectShape, projectStatusShape } from '../helpers/sonar-shapes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const admin = { email: 'root@example.test', password: 'a long admin password' };
const packageVersion = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * The quality-gate check of SonarSource's "SonarQube Quality Gate Check" GitHub Action, as
 * the issue describes it: 1) read .scannerwork/report-task.txt (SONAR_HOST_URL, when set, is
 * the base, keeping the part of ceTaskUrl from /api on); 2) poll the task with the token as
 * the Basic login until it is neither PENDING nor IN_PROGRESS; 3) ask for the gate of the
 * task's analysis: OK passes, WARN and ERROR fail, anything else means no gate is set. It
 * prints the URLs it calls and keeps the answers, for the test to check.
 */
const gateCheck = `#!/usr/bin/env bash
set -euo pipefail
metadataFile=".scannerwork/report-task.txt"
serverUrl="$(sed -n 's/^serverUrl=\\(.*\\)$/\\1/p' "$metadataFile")"
ceTaskUrl="$(sed -n 's/^ceTaskUrl=\\(.*\\)$/\\1/p' "$metadataFile")"
if [ -z "$serverUrl" ] || [ -z "$ceTaskUrl" ]; then
  echo "Invalid report metadata file." >&2
  exit 3
fi
if [ -n "\${SONAR_HOST_URL:-}" ]; then
  serverUrl="\${SONAR_HOST_URL%/}"
  ceTaskUrl="\${SONAR_HOST_URL%/}/api\${ceTaskUrl##*/api}"
fi
echo "task: $ceTaskUrl"
task="$(curl --silent --fail --show-error --user "$SONAR_TOKEN": "$ceTaskUrl")"
status="$(jq -r '.task.status' <<<"$task")"
until [[ "$status" != "PENDING" && "$status" != "IN_PROGRESS" ]]; do
  sleep 1
  task="$(curl --silent --fail --show-error --user "$SONAR_TOKEN": "$ceTaskUrl")"
  status="$(jq -r '.task.status' <<<"$task")"
done
printf '%s' "$task" > task.json
analysisId="$(jq -r '.task.analysisId' <<<"$task")"
qualityGateUrl="$serverUrl/api/qualitygates/project_status?analysisId=$analysisId"
echo "gate: $qualityGateUrl"
gate="$(curl --silent --fail --show-error --user "$SONAR_TOKEN": "$qualityGateUrl")"
printf '%s' "$gate" > gate.json
qualityGateStatus="$(jq -r '.projectStatus.status' <<<"$gate")"
case "$qualityGateStatus" in
  OK) echo "Quality Gate has PASSED."; exit 0 ;;
  WARN|ERROR) echo "Quality Gate has FAILED."; exit 1 ;;
  *) echo "Quality Gate not set for the project."; exit 2 ;;
esac
`;

/** A SARIF 2.1.0 report with one result per level given. */
function sarif(levels: string[]): string {
  return JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'fixture-linter' } },
        results: levels.map((level) => ({ ruleId: 'no-eval', level, message: { text: 'eval' } })),
      },
    ],
  });
}

/** Runs `command` in `cwd` with exactly `env` (and a PATH of /usr/bin and /bin). */
function runIn(cwd: string, command: string[], env: Record<string, string>): Promise<CliResult> {
  return runProcess(command, { cwd, env: { PATH: '/usr/bin:/bin', ...env } });
}

/** Java properties as the gate check reads them: one key=value a line. */
function properties(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describeEachEngine("SonarQube's quality-gate check after orgtoken analyze", (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-gate-check-'));
  const script = join(dir, 'quality-gate-check.sh');
  const reports = { clean: join(dir, 'clean.sarif'), failing: join(dir, 'failing.sarif') };
  let server: ServerProcess;
  let client: SessionClient;
  let token: string;
  let workspaces = 0;

  /** A pipeline's fresh checkout. */
  const workspace = () => {
    workspaces += 1;
    const path = join(dir, `workspace-${workspaces}`);
    mkdirSync(path);
    return path;
  };
  /** `orgtoken analyze` in `cwd`, with the token as a SonarQube pipeline stores it. */
  const analyze = (cwd: string, project: string, report: string, extra: string[] = []) =>
    runIn(
      cwd,
      [
        process.execPath,
        join(root, 'bin', 'orgtoken.js'),
        'analyze',
        '--org',
        'acme',
        '--project',
        project,
        '--sarif',
        report,
        ...extra,
      ],
      { ORGTOKEN_URL: server.url, SONAR_TOKEN: token },
    );
  /** The gate check in `cwd`, with SONAR_HOST_URL when given. */
  const check = (cwd: string, hostUrl?: string) =>
    runIn(cwd, ['/usr/bin/bash', script], {
      SONAR_TOKEN: token,
      ...(hostUrl === undefined ? {} : { SONAR_HOST_URL: hostUrl }),
    });
  /** SONAR_HOST_URL naming the same server by another name, with a trailing slash. */
  const otherName = () => `${server.url.replace('127.0.0.1', 'localhost')}/`;
  const latestAnalysisId = async (project: string) => {
    const listed = await client.call('GET', `/api/v1/orgs/acme/projects/${project}/analyses`);
    return (listed.body.items as Array<{ id: string }>)[0]?.id;
  };

  beforeAll(async () => {
    writeFileSync(script, gateCheck);
    writeFileSync(reports.clean, sarif(['warning']));
    writeFileSync(reports.failing, sarif(['error']));
    const database = await freshDatabaseUrl(engine, join(dir, 'gate.db'));
    server = await startServerProcess({
      ...serverEnv(database.url, admin),
      ORGTOKEN_PUBLIC_URL: 'https://orgtoken.example.test/',
    });
    client = await signedIn(server.url, admin);
    await client.call('POST', '/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
    for (const key of ['api', 'ungated']) {
      await client.call('POST', '/api/v1/orgs/acme/projects', { key, name: key });
    }
    // What a pipeline's token holds: the right to upload, and nothing to browse with.
    const created = await client.call('POST', '/api/v1/orgs/acme/tokens', {
      name: 'ci',
      permissions: ['analysis:execute'],
      projects: { mode: 'selected', keys: ['api', 'ungated'] },
      expiresAt: null,
    });
    expect(created.status).toBe(201);
    token = created.body.token as string;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes report-task.txt as the scanner does, naming the task of the upload', async () => {
    const cwd = workspace();
    const result = await analyze(cwd, 'api', reports.clean);
    expect(result.code, result.stderr).toBe(0);
    const id = await latestAnalysisId('api');
    const written = readFileSync(join(cwd, '.scannerwork', 'report-task.txt'), 'utf8');
    expect(properties(written)).toEqual({
      organization: 'acme',
      projectKey: 'api',
      serverUrl: server.url,
      serverVersion: packageVersion,
      dashboardUrl: 'https://orgtoken.example.test/orgs/acme/projects/api',
      ceTaskId: id,
      ceTaskUrl: `${server.url}/api/ce/task?id=${id}`,
    });
    expect(result.stdout).toContain(`Task: ${server.url}/api/ce/task?id=${id}`);
  });

  it('passes the gate check for a clean report, with SONAR_HOST_URL unset and set', async () => {
    const cwd = workspace();
    expect((await analyze(cwd, 'api', reports.clean)).code).toBe(0);
    const id = await latestAnalysisId('api');

    const unset = await check(cwd);
    expect(unset.code, unset.stdout + unset.stderr).toBe(0);
    expect(unset.stdout).toContain(`task: ${server.url}/api/ce/task?id=${id}\n`);
    expect(unset.stdout).toContain(
      `gate: ${server.url}/api/qualitygates/project_status?analysisId=${id}\n`,
    );
    expect(unset.stdout).toContain('Quality Gate has PASSED.');
    const task = JSON.parse(readFileSync(join(cwd, 'task.json'), 'utf8'));
    expectShape(ceTaskShape, task);
    expect(task.task).toMatchObject({ id, analysisId: id, status: 'SUCCESS', componentKey: 'api' });
    const gate = JSON.parse(readFileSync(join(cwd, 'gate.json'), 'utf8'));
    expectShape(projectStatusShape, gate);
    expect(gate.projectStatus.status).toBe('OK');

    const set = await check(cwd, otherName());
    expect(set.code, set.stdout + set.stderr).toBe(0);
    const base = otherName().replace(/\/$/, '');
    expect(set.stdout).toContain(`task: ${base}/api/ce/task?id=${id}\n`);
    expect(set.stdout).toContain(
      `gate: ${base}/api/qualitygates/project_status?analysisId=${id}\n`,
    );
    expect(set.stdout).toContain('Quality Gate has PASSED.');
  });

  it('fails the gate check for a report that breaks the gate, with SONAR_HOST_URL unset and set', async () => {
    const cwd = workspace();
    const uploaded = await analyze(cwd, 'api', reports.failing);
    expect(uploaded.code, uploaded.stderr).toBe(1);
    for (const hostUrl of [undefined, otherName()]) {
      const result = await check(cwd, hostUrl);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toContain('Quality Gate has FAILED.');
      const gate = JSON.parse(readFileSync(join(cwd, 'gate.json'), 'utf8'));
      expectShape(projectStatusShape, gate);
      expect(gate.projectStatus).toEqual({
        status: 'ERROR',
        conditions: [
          {
            status: 'ERROR',
            metricKey: 'error_violations',
            comparator: 'GT',
            errorThreshold: '0',
            actualValue: '1',
          },
        ],
        ignoredConditions: false,
      });
    }
  });

  it('says no gate is set for a project whose gate sets no limit', async () => {
    const cleared = await client.call('PUT', '/api/v1/orgs/acme/projects/ungated/quality-gate', {
      maxErrors: null,
      maxWarnings: null,
    });
    expect(cleared.status).toBe(200);
    const cwd = workspace();
    expect((await analyze(cwd, 'ungated', reports.failing)).code).toBe(0);
    const result = await check(cwd);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Quality Gate not set for the project.');
  });

  it('writes the file where --metadata-file says, and none with --no-metadata-file', async () => {
    const cwd = workspace();
    const elsewhere = await analyze(cwd, 'api', reports.clean, [
      '--metadata-file',
      'build/sonar/task.txt',
    ]);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    const id = await latestAnalysisId('api');
    expect(properties(readFileSync(join(cwd, 'build', 'sonar', 'task.txt'), 'utf8')).ceTaskId).toBe(
      id,
    );
    expect(existsSync(join(cwd, '.scannerwork'))).toBe(false);

    const none = await analyze(cwd, 'api', reports.clean, ['--no-metadata-file']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).not.toContain('Task:');
    expect(existsSync(join(cwd, '.scannerwork'))).toBe(false);
    // The check of a pipeline that asked for no file finds none.
    const result = await check(cwd);
    expect(result.code).not.toBe(0);
  });

  it('exits 2, after the upload, when the file cannot be written; and 2 before it when its directory cannot be made', async () => {
    const cwd = workspace();
    // A directory where the file should be: the rename over it fails.
    mkdirSync(join(cwd, '.scannerwork', 'report-task.txt'), { recursive: true });
    const before = await latestAnalysisId('api');
    const unwritable = await analyze(cwd, 'api', reports.clean);
    expect(unwritable.code).toBe(2);
    const stored = await latestAnalysisId('api');
    expect(stored).not.toBe(before);
    expect(unwritable.stderr).toContain(`analysis ${stored} was stored, but`);

    // A file where the directory should be: refused before anything is uploaded.
    writeFileSync(join(cwd, 'blocked'), '');
    const blocked = await analyze(cwd, 'api', reports.clean, [
      '--metadata-file',
      'blocked/task.txt',
    ]);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toContain('cannot create the directory of blocked/task.txt');
    expect(await latestAnalysisId('api')).toBe(stored);
  });
});
