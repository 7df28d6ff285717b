/**
 * What a large upload costs everyone else (issue 15, acceptance 1 and 4), against real server
 * processes of the built binary, each scenario on a fresh one so that its peak resident set
 * (VmHWM, Linux) is its own:
 * - `GET /api/authentication/validate` with an organization token (cache hits), probed one
 *   request at a time with 2 ms between them from this process, while another process
 *   (bench/lib/uploader.ts, another pipeline) uploads a 20 MB SARIF report, while
 *   two 10 MB reports are ingested at once, and while the lookup-defeating report of the
 *   hardening issue (160,000 results naming undeclared rule ids) is: p50, p99 and max;
 * - four 20 MB reports uploaded at once: every answer 201, and the server's peak RSS;
 * - a gzip bomb (1 GiB of zeros in about 1 MB): the answer (413) and the peak RSS against
 *   the idle RSS measured just before.
 * A part of `npm run bench` (bench/run.ts), which builds first.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { bigSarif, hostileReports } from '../test/helpers/big-sarif.js';
import { scratchDatabase } from '../test/helpers/engines.js';
import { serverEnv, signedIn, startServerProcess } from '../test/helpers/server-process.js';
import { finishPart } from './lib/part.js';
import { memoryOf } from './lib/proc.js';
import { quantile } from './lib/stats.js';
import { uploadReport } from './lib/upload.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Server {
  url: string;
  pid: number;
  token: string;
  stop: () => Promise<unknown>;
}

const pgServer = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? null;

/** A SQLite file in `dir`, or with `postgres` a scratch database (dropped when stopped). */
async function freshServer(dir: string, name: string, postgres = false): Promise<Server> {
  const admin = { email: 'bench@example.test', password: 'a long bench password' };
  const database =
    postgres && pgServer ? await scratchDatabase(pgServer, `orgtoken_stall_${name}`) : null;
  const server = await startServerProcess(
    serverEnv(database?.url ?? `sqlite:${join(dir, `${name}.db`)}`, admin),
  );
  if (database) {
    const stop = server.stop;
    server.stop = async () => {
      await stop();
      await database.drop();
      return null;
    };
  }
  const client = await signedIn(server.url, admin);
  await client.call('POST', '/api/v1/orgs', { key: 'bench', name: 'Bench', plan: 'team' });
  await client.call('POST', '/api/v1/orgs/bench/projects', { key: 'large', name: 'Large' });
  const created = await client.call('POST', '/api/v1/orgs/bench/tokens', {
    name: 'bench',
    permissions: ['analysis:execute'],
    projects: { mode: 'all' },
    expiresAt: null,
  });
  return { ...server, token: created.body.token as string };
}

/** Probes validate until `work` settles; the latencies in ms. */
async function probeWhile(server: Server, work: Promise<unknown>): Promise<number[]> {
  let done = false;
  work.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  while (!done) {
    const start = performance.now();
    const response = await fetch(`${server.url}/api/authentication/validate`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    await response.arrayBuffer();
    latencies.push(performance.now() - start);
    await sleep(2);
  }
  return latencies;
}

const round = (n: number) => Number(n.toFixed(1));
const summary = (latencies: number[]) => ({
  probes: latencies.length,
  p50Ms: round(quantile(latencies, 0.5)),
  p99Ms: round(quantile(latencies, 0.99)),
  maxMs: round(Math.max(...latencies)),
});

/**
 * The uploads of `files` sent at once by another process (bench/lib/uploader.ts), as another
 * pipeline would send them: resolves to their statuses.
 */
async function uploadsFromAnotherProcess(
  server: Server,
  files: string[],
): Promise<() => Promise<number[]>> {
  const child = fork(new URL('./lib/uploader.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The child's answer, or its exit if it stopped without one (a failed upload ends it).
  const answer = async () => {
    const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit')])) as [
      { statuses?: number[] } | number | null,
    ];
    if (typeof message !== 'object' || message === null) {
      throw new Error(`the uploader exited with ${message}`);
    }
    return message;
  };
  child.send({ url: server.url, token: server.token, files });
  await answer();
  return async () => {
    const answered = answer();
    child.send({ go: true });
    return (await answered).statuses ?? [];
  };
}

async function during(
  dir: string,
  name: string,
  files: string[],
  postgres = false,
): Promise<ReturnType<typeof summary> & { statuses: number[] }> {
  const server = await freshServer(dir, name, postgres);
  try {
    // Warm: the token's verification cached, a parser thread up.
    await probeWhile(server, uploadReport(server, bigSarif(0.5).text));
    const go = await uploadsFromAnotherProcess(server, files);
    const work = go();
    const latencies = await probeWhile(server, work);
    return { ...summary(latencies), statuses: await work };
  } finally {
    await server.stop();
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-stall-'));
  try {
    // Bytes, not strings: encoding 20 MB of text on this process's event loop would delay its
    // own probes and count against the server. The probed scenarios' uploads are sent by
    // another process, from these files.
    const twenty = Buffer.from(bigSarif(20).text);
    const ten = Buffer.from(bigSarif(10).text);
    // The lookup-defeating report of the hardening issue, at the parse benchmark's 4n.
    const hostile = Buffer.from(JSON.stringify(hostileReports.undeclaredRuleIds(160_000)));
    const file = (name: string, body: Buffer) => {
      const path = join(dir, name);
      writeFileSync(path, body);
      return path;
    };
    const files = {
      twenty: file('twenty.sarif', twenty),
      ten: file('ten.sarif', ten),
      hostile: file('hostile.sarif', hostile),
    };
    const one20 = await during(dir, 'one20', [files.twenty]);
    const two10 = await during(dir, 'two10', [files.ten, files.ten]);
    const lookupDefeating = {
      reportMB: Number((hostile.length / 1e6).toFixed(1)),
      ...(await during(dir, 'hostile', [files.hostile])),
    };
    // The same three on PostgreSQL, with a server for it.
    const postgres = pgServer
      ? {
          validateDuringOne20MB: await during(dir, 'one20', [files.twenty], true),
          validateDuringTwo10MB: await during(dir, 'two10', [files.ten, files.ten], true),
          validateDuringLookupDefeating: await during(dir, 'hostile', [files.hostile], true),
        }
      : null;
    if (process.env.BENCH_STALL_ONLY === '1') {
      await finishPart({
        validateDuringOne20MB: one20,
        validateDuringTwo10MB: two10,
        validateDuringLookupDefeating: lookupDefeating,
        postgres,
      });
      return;
    }

    const four = await freshServer(dir, 'four20');
    let fourConcurrent: Record<string, unknown>;
    try {
      const idle = memoryOf(four.pid);
      const statuses = await Promise.all([1, 2, 3, 4].map(() => uploadReport(four, twenty)));
      fourConcurrent = {
        statuses,
        idleRssMiB: idle.rssMiB,
        peakRssMiB: memoryOf(four.pid).peakMiB,
      };
    } finally {
      await four.stop();
    }

    const bombServer = await freshServer(dir, 'bomb');
    let bomb: Record<string, unknown>;
    try {
      const member = gzipSync(Buffer.alloc(1024 * 1024));
      const body = Buffer.concat(Array.from({ length: 1024 }, () => member));
      // Idle after the work a server does anyway: a small upload, one parser thread started.
      await uploadReport(bombServer, bigSarif(0.5).text);
      await sleep(500);
      const idle = memoryOf(bombServer.pid);
      const status = await uploadReport(bombServer, body, true);
      const peak = memoryOf(bombServer.pid).peakMiB;
      bomb = {
        status,
        compressedMB: Number((body.length / 1e6).toFixed(2)),
        inflatedGiB: 1,
        idleRssMiB: idle.rssMiB,
        peakRssMiB: peak,
        peakVsIdle: Number((peak / idle.rssMiB).toFixed(2)),
      };
    } finally {
      await bombServer.stop();
    }

    const result = {
      date: new Date().toISOString(),
      validateDuringOne20MB: one20,
      validateDuringTwo10MB: two10,
      validateDuringLookupDefeating: lookupDefeating,
      postgres,
      fourConcurrent20MB: fourConcurrent,
      gzipBomb: bomb,
    };
    await finishPart(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
