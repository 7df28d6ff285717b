/**
 * Peak memory of a real server process while it ingests a generated 20 MB SARIF report
 * (issue 4, acceptance 4). Linux: reads VmHWM (peak resident set) from /proc. A part of
 * `npm run bench` (bench/run.ts), which builds first: the server is the built binary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigSarif } from '../test/helpers/big-sarif.js';
import { serverEnv, signedIn, startServerProcess } from '../test/helpers/server-process.js';
import { finishPart } from './lib/part.js';
import { memoryOf } from './lib/proc.js';

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-ingest-'));
  const admin = { email: 'bench@example.test', password: 'a long bench password' };
  const server = await startServerProcess(serverEnv(`sqlite:${join(dir, 'bench.db')}`, admin));
  try {
    const client = await signedIn(server.url, admin);
    await client.call('POST', '/api/v1/orgs', { key: 'bench', name: 'Bench', plan: 'team' });
    await client.call('POST', '/api/v1/orgs/bench/projects', { key: 'large', name: 'Large' });
    const created = await client.call('POST', '/api/v1/orgs/bench/tokens', {
      name: 'bench',
      permissions: ['analysis:execute'],
      projects: { mode: 'all' },
      expiresAt: null,
    });
    const token = created.body.token as string;
    const report = bigSarif(20);
    const before = memoryOf(server.pid);
    const start = process.hrtime.bigint();
    const response = await fetch(
      `${server.url}/api/v1/orgs/bench/projects/large/analyses?format=sarif`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: report.text,
      },
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (response.status !== 201)
      throw new Error(`ingest: ${response.status} ${await response.text()}`);
    const after = memoryOf(server.pid);
    const result = {
      date: new Date().toISOString(),
      reportMiB: Number((report.text.length / 2 ** 20).toFixed(1)),
      results: report.results,
      seconds: Number(seconds.toFixed(2)),
      rssBeforeMiB: before.rssMiB,
      peakRssMiB: after.peakMiB,
      rssAfterMiB: after.rssMiB,
    };
    await finishPart(result, [result]);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
