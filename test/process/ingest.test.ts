import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, freshDatabaseUrl } from '../helpers/engines.js';
import {
  runCli,
  type ServerProcess,
  serverEnv,
  signedIn,
  startServerProcess,
} from '../helpers/server-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const admin = { email: 'root@example.test', password: 'a long admin password' };
const report = JSON.stringify({
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'fixture-linter' } }, results: [] }],
});

/**
 * An upload whose body the test sends in two halves: the server has admitted it (it answers
 * only after reading the whole body), and holds its place until `finish`.
 */
// Every held upload of the run, cut off at the end: an unfinished one would keep the server
// from shutting down.
const heldRequests: Array<{ destroy: () => void }> = [];

function heldUpload(url: string, token: string): { finish: () => void; status: Promise<number> } {
  const body = Buffer.from(report);
  const target = new URL('/api/v1/orgs/acme/projects/api/analyses?format=sarif', url);
  const outgoing = request(target, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
    },
  });
  heldRequests.push(outgoing);
  outgoing.on('error', () => {});
  const status = once(outgoing, 'response').then(
    ([response]) => {
      response.resume();
      return response.statusCode as number;
    },
    () => -1,
  );
  outgoing.write(body.subarray(0, 10));
  return { finish: () => outgoing.end(body.subarray(10)), status };
}

describeEachEngine('a busy server and the orgtoken command', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-ingest-'));
  const file = join(dir, 'clean.sarif');
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    writeFileSync(file, report);
    const database = await freshDatabaseUrl(engine, join(dir, 'ingest.db'));
    server = await startServerProcess({
      ...serverEnv(database.url, admin),
      ORGTOKEN_INGEST_CONCURRENCY: '1',
      ORGTOKEN_INGEST_QUEUE: '0',
    });
    const client = await signedIn(server.url, admin);
    await client.call('POST', '/api/v1/orgs', { key: 'acme', name: 'Acme', plan: 'team' });
    await client.call('POST', '/api/v1/orgs/acme/projects', { key: 'api', name: 'API' });
    const created = await client.call('POST', '/api/v1/orgs/acme/tokens', {
      name: 'ci',
      permissions: ['analysis:execute', 'project:browse'],
      projects: { mode: 'all' },
      expiresAt: new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString(),
    });
    token = created.body.token as string;
  });

  afterAll(async () => {
    for (const held of heldRequests) held.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 INGEST_BUSY with Retry-After, and `orgtoken analyze` retries until it gets in', async () => {
    // The held upload has its place once the server waits for the rest of its body. Until
    // its authorization is done, a probe may take the place first: the held upload is then
    // refused, and held again.
    let held = heldUpload(server.url, token);
    let busy: Response | undefined;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const answered = await Promise.race([held.status.then(() => true), Promise.resolve(false)]);
      if (answered) {
        held = heldUpload(server.url, token);
        continue;
      }
      busy = await fetch(`${server.url}/api/v1/orgs/acme/projects/api/analyses?format=sarif`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: report,
      });
      if (busy.status === 503) break;
    }
    if (!busy) throw new Error('the held upload never kept its place');
    expect(busy.status).toBe(503);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('INGEST_BUSY');
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);

    // A deadline shorter than the wait asked for: the refusal is the command's error.
    const impatient = await runCli(
      ['analyze', '--org', 'acme', '--project', 'api', '--sarif', file, '--timeout', '1'],
      { ORGTOKEN_URL: server.url, ORGTOKEN_TOKEN: token },
    );
    expect(impatient.code, impatient.stderr).toBe(2);
    expect(impatient.stderr).toMatch(/INGEST_BUSY/);
    expect(impatient.stderr).not.toMatch(/trying again/);

    const cli = spawn(
      process.execPath,
      ['bin/orgtoken.js', 'analyze', '--org', 'acme', '--project', 'api', '--sarif', file],
      {
        cwd: root,
        env: { ...process.env, ORGTOKEN_URL: server.url, ORGTOKEN_TOKEN: token },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const refused = new Promise<void>((resolve) => {
      cli.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('INGEST_BUSY')) resolve();
      });
    });
    const exited = once(cli, 'close');
    await Promise.race([refused, exited]);
    expect(stderr).toMatch(/answered 503 INGEST_BUSY; trying again in \d+ s/);

    held.finish();
    expect(await held.status).toBe(201);
    const [code] = await exited;
    expect(code, `${stdout}${stderr}`).toBe(0);
    expect(stdout).toMatch(/Quality gate: passed/);
  }, 60_000);
});
