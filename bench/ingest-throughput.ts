/**
 * Small-upload throughput (issue 15, acceptance 2): a SARIF report of 82 results (26 KB, the
 * shape of `bigSarif`) uploaded by an organization token, against `GET
 * /api/authentication/validate` with a token of the same server, on SQLite and, with
 * BENCH_DATABASE_URL (or TEST_DATABASE_URL), on a scratch PostgreSQL database. Real server
 * processes of the built binary; autocannon, as many connections as the server admits at once
 * (6 on two cores), 2 s runs alternating over
 * BENCH_ROUNDS rounds (default 8), each round in another order (balancedOrder); the ratio is the
 * median of each round's ratio of uploads to validate of the same server. On two cores or
 * more (unless BENCH_PIN=0) the servers run on core 0 and this process on core 1, as in
 * http.ts. A part of `npm run bench` (bench/run.ts), which builds first.
 *
 * Beside the ratio, the floor: what every small upload costs on SQLite whatever the server
 * around it does, timed in this process with the server's own code: `JSON.parse` of the body,
 * its validation and summary (`readReport`), and the write of its analysis, 82 issues and
 * audit event (`insertAnalysisRecords`, six
 * uploads a transaction as the server's batches write them under this load), timed after
 * each round. Against the budget the target leaves an upload in that round (one second ÷
 * (0.06 × the round's validate rate)), it tells whether the target can be met on the machine
 * at all by a server on one core. And the server's CPU per request, every thread, from /proc:
 * set against the floor it shows what the server spends beyond that work, and validate's CPU
 * per request ÷ an upload's is what the ratio would be if the server's CPU alone bounded both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { newId } from '../src/domain/ids.js';
import { readReport } from '../src/domain/reports/read-report.js';
import { type AnalysisRecord, insertAnalysisRecords } from '../src/store/analyses.js';
import { auditEventRow } from '../src/store/audit.js';
import { openStore } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { bigSarif } from '../test/helpers/big-sarif.js';
import { scratchDatabase } from '../test/helpers/engines.js';
import { serverEnv, signedIn, startServerProcess } from '../test/helpers/server-process.js';
import { insertOrgRow, insertProjectRow } from '../test/helpers/store-rows.js';
import { finishPart } from './lib/part.js';
import { cpuSecondsOf } from './lib/proc.js';
import { balancedOrder, median, pairedRatio } from './lib/stats.js';

// Read before this process pins itself: a child it spawns inherits one core, and its default
// admission would be that of a one-core machine.
const cores = availableParallelism();
const rounds = Number(process.env.BENCH_ROUNDS ?? 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const pgServer = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? null;
// As many as the server admits at once (concurrency and queue, their defaults on two cores):
// none is refused INGEST_BUSY.
const connections = 3 * cores;
const admin = { email: 'bench@example.test', password: 'a long bench password' };

const pinned =
  process.env.BENCH_PIN !== '0' &&
  availableParallelism() >= 2 &&
  spawnSync('taskset', ['-a', '-pc', '1', String(process.pid)]).status === 0;

interface Target {
  url: string;
  token: string;
  pid: number;
  stop: () => Promise<unknown>;
}

/** One run of autocannon: requests a second, and the server's CPU per request. */
interface Measured {
  rate: number;
  /** Microseconds of the server process's CPU (every thread) per request; null without /proc. */
  cpuMicros: number | null;
}

async function target(databaseUrl: string): Promise<Target> {
  const server = await startServerProcess({
    ...serverEnv(databaseUrl, admin),
    // The defaults on this machine, said outright: a server started on one core would take
    // one. No more queue than the defaults: autocannon cuts the uploads in flight at the end
    // of each run, and every place they held must come back (an upload cut while it was
    // authorized once kept its place, and later runs were refused INGEST_BUSY).
    ORGTOKEN_INGEST_CONCURRENCY: String(cores),
    ORGTOKEN_INGEST_QUEUE: String(2 * cores),
    // One organization uploads here, so its share is every place (by default it is the
    // parsers and half the queue, and two connections of six would be refused INGEST_BUSY).
    ORGTOKEN_INGEST_ORG_SHARE: String(3 * cores),
  });
  // Threads the server starts later (its parser pool) inherit the affinity.
  if (pinned) spawnSync('taskset', ['-a', '-pc', '0', String(server.pid)]);
  const client = await signedIn(server.url, admin);
  await client.call('POST', '/api/v1/orgs', { key: 'bench', name: 'Bench', plan: 'team' });
  await client.call('POST', '/api/v1/orgs/bench/projects', { key: 'small', name: 'Small' });
  const created = await client.call('POST', '/api/v1/orgs/bench/tokens', {
    name: 'bench',
    permissions: ['analysis:execute'],
    projects: { mode: 'all' },
    expiresAt: null,
  });
  return {
    url: server.url,
    token: created.body.token as string,
    pid: server.pid,
    stop: server.stop,
  };
}

async function load(pid: number, options: autocannon.Options): Promise<Measured> {
  const before = cpuSecondsOf(pid);
  const result = await autocannon({ connections, duration: seconds, ...options });
  const after = cpuSecondsOf(pid);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${options.url}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats)}), ${result.errors} errors`,
    );
  }
  const cpuMicros =
    before === null || after === null || result.requests.total === 0
      ? null
      : ((after - before) / result.requests.total) * 1e6;
  return { rate: result.requests.average, cpuMicros };
}

/** Microseconds per call of `run`, the median of `batches` timed batches after a warm-up. */
async function microsPer(run: () => unknown, calls: number, batches = 5): Promise<number> {
  const times: number[] = [];
  for (let batch = 0; batch <= batches; batch += 1) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i += 1) await run();
    if (batch > 0) times.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
  }
  return median(times);
}

/** The floor's parts, in microseconds per upload. */
interface Floor {
  jsonParse: number;
  readReport: number;
  sqliteWrite: number;
}

/**
 * Times the small upload's floor on SQLite (see the top of this file) whenever asked: once
 * after each round, so that each round's floor is set against that round's `validate` rate.
 * This machine's speed drifts within a run (`validate` by up to 1.7 × between rounds), and a
 * floor timed once, after every round, was 0.6–1.2 × the target's time in three runs of one
 * hour.
 */
async function floorMeter(text: string, dir: string) {
  const document: unknown = JSON.parse(text);
  const store = openStore(`sqlite:${join(dir, 'floor.db')}`);
  try {
    await migrateToLatest(store);
    await insertOrgRow(store.db, 'org');
    await insertProjectRow(store.db, 'org', 'p');
  } catch (error) {
    await store.close();
    throw error;
  }
  const at = new Date().toISOString();
  const { issues } = readReport('sarif', document);
  const record = (): AnalysisRecord => {
    const analysis = {
      // Time-ordered, as the server's: each analysis's issues go to the end of the index.
      id: newId(),
      project_id: 'p',
      created_at: at,
      format: 'sarif',
      tools: '["bench"]',
      branch: 'main',
      commit_sha: null,
      errors: 1,
      warnings: 1,
      notes: 0,
      gate_status: 'OK',
      gate_conditions: '[]',
      submitted_by_type: 'org_token',
      submitted_by_id: 'token',
      submitted_by_name: 'bench',
      ci_context: null,
    };
    const event = auditEventRow({
      orgId: 'org',
      at,
      action: 'analysis.created',
      actor: { type: 'org_token', id: 'token', name: 'bench' },
      target: { type: 'project', id: 'p', name: 'P' },
      meta: { ip: '127.0.0.1', userAgent: 'autocannon' },
      details: { analysisId: analysis.id },
    });
    return { analysis, issues, event };
  };
  return {
    async sample(): Promise<Floor> {
      const jsonParse = await microsPer(() => JSON.parse(text), 400, 3);
      const readAndSummarize = await microsPer(() => readReport('sarif', document), 400, 3);
      const perSix = await microsPer(
        () => insertAnalysisRecords(store.db, Array.from({ length: 6 }, record)),
        40,
        3,
      );
      return { jsonParse, readReport: readAndSummarize, sqliteWrite: perSix / 6 };
    },
    close: () => store.close(),
  };
}

async function main() {
  const report = bigSarif(0.02);
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-throughput-'));
  const database = pgServer ? await scratchDatabase(pgServer, 'orgtoken_upload') : null;
  const targets: Record<string, Target> = {};
  try {
    targets.sqlite = await target(`sqlite:${join(dir, 'bench.db')}`);
    if (database) targets.postgres = await target(database.url);
    const cases: Array<[string, () => Promise<Measured>]> = [];
    for (const [engine, { url, token, pid }] of Object.entries(targets)) {
      const authorization = `Bearer ${token}`;
      cases.push([
        `validate.${engine}`,
        () => load(pid, { url: `${url}/api/authentication/validate`, headers: { authorization } }),
      ]);
      cases.push([
        `upload.${engine}`,
        () =>
          load(pid, {
            url: `${url}/api/v1/orgs/bench/projects/small/analyses?format=sarif`,
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body: report.text,
          }),
      ]);
    }
    for (const [, run] of cases) await run();
    const meter = await floorMeter(report.text, dir);
    const samples: Record<string, number[]> = {};
    const cpu: Record<string, Array<number | null>> = {};
    const floors: Floor[] = [];
    try {
      // A warm-up, not recorded.
      await meter.sample();
      for (let round = 0; round < rounds; round += 1) {
        for (const [name, run] of balancedOrder(cases, round)) {
          const { rate, cpuMicros } = await run();
          samples[name] = [...(samples[name] ?? []), rate];
          cpu[name] = [...(cpu[name] ?? []), cpuMicros];
          console.log(`round ${round + 1}: ${name} ${Math.round(rate)} req/s`);
        }
        floors.push(await meter.sample());
      }
    } finally {
      await meter.close();
    }
    const ratio = (engine: string) =>
      samples[`upload.${engine}`]
        ? Number(
            pairedRatio(
              samples[`upload.${engine}`] ?? [],
              samples[`validate.${engine}`] ?? [],
            ).toFixed(3),
          )
        : null;
    // Each round's floor against the time the target leaves an upload at that round's
    // validate rate: one second ÷ (0.06 × validate).
    const totals = floors.map((f) => f.jsonParse + f.readReport + f.sqliteWrite);
    const budgets = (samples['validate.sqlite'] ?? []).map((rate) => 1e6 / (0.06 * rate));
    const shares = totals.map((total, round) => total / (budgets[round] ?? Number.NaN));
    const part = (key: keyof Floor) => Math.round(median(floors.map((f) => f[key])));
    // The server's CPU per request, each case's rounds; null without /proc.
    const cpuOf = (name: string): number[] | null => {
      const values = cpu[name] ?? [];
      return values.length > 0 && values.every((v) => v !== null) ? (values as number[]) : null;
    };
    // Validate's CPU per request ÷ an upload's, round by round: what uploads ÷ validate would
    // be if the server's own CPU alone bounded both (PostgreSQL's work is another process's).
    const cpuRatio = (engine: string) => {
      const uploads = cpuOf(`upload.${engine}`);
      const validates = cpuOf(`validate.${engine}`);
      return uploads && validates ? Number(pairedRatio(validates, uploads).toFixed(3)) : null;
    };
    const sqliteUploadCpu = cpuOf('upload.sqlite');
    const result = {
      date: new Date().toISOString(),
      report: { bytes: report.text.length, results: report.results },
      connections,
      secondsPerRun: seconds,
      rounds,
      pinned: pinned ? { servers: 'core 0', loadGenerator: 'core 1' } : false,
      requestsPerSecond: Object.fromEntries(
        Object.entries(samples).map(([name, values]) => [name, Math.round(median(values))]),
      ),
      uploadVsValidateSqlite: ratio('sqlite'),
      uploadVsValidatePostgres: ratio('postgres'),
      serverCpuMicrosPerRequest: Object.fromEntries(
        Object.keys(cpu).map((name) => {
          const values = cpuOf(name);
          return [name, values ? Math.round(median(values)) : null];
        }),
      ),
      cpuVsValidateSqlite: cpuRatio('sqlite'),
      cpuVsValidatePostgres: cpuRatio('postgres'),
      // The server's CPU per SQLite upload ÷ that round's floor: how much the server spends
      // beyond the work no server can skip (1 would be nothing beyond it).
      sqliteUploadCpuVsFloor: sqliteUploadCpu
        ? Number(
            median(
              sqliteUploadCpu.map((micros, round) => micros / (totals[round] ?? Number.NaN)),
            ).toFixed(2),
          )
        : null,
      sqliteFloorMicros: {
        jsonParse: part('jsonParse'),
        readReport: part('readReport'),
        sqliteWrite: part('sqliteWrite'),
        total: Math.round(median(totals)),
        budgetAtTarget: Math.round(median(budgets)),
        // The median of the rounds' shares, each round's floor ÷ its own budget.
        shareOfBudget: Number(median(shares).toFixed(2)),
        shareOfBudgetByRound: shares.map((share) => Number(share.toFixed(2))),
      },
      samples: Object.fromEntries(
        Object.entries(samples).map(([name, values]) => [name, values.map((v) => Math.round(v))]),
      ),
      cpuSamples: Object.fromEntries(
        Object.entries(cpu).map(([name, values]) => [
          name,
          values.map((v) => (v === null ? null : Math.round(v))),
        ]),
      ),
    };
    await finishPart(result);
  } finally {
    for (const server of Object.values(targets)) await server.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
