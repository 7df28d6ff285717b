/**
 * Throughput over HTTP (issue 7, b and c): an orgtoken request authenticated by an
 * organization token (cache hit) against a bare Fastify route, orgtoken's own /healthz, and
 * better-auth's API-key plugin verifying a key (and SonarScanner's first call, GET
 * /api/authentication/validate, with the same token). Issue 15: an authorized read of one
 * project with the same token against validate, on SQLite and, with BENCH_DATABASE_URL (or
 * TEST_DATABASE_URL), on a scratch PostgreSQL database served by an orgtoken of its own.
 * autocannon, 50 connections; the targets run in child processes (better-auth in one of its
 * own) and are loaded one at a time, alternating, so that none gets a warmer machine. A part
 * of `npm run bench` (bench/run.ts); alone: npx tsx bench/http.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { scratchDatabase } from '../test/helpers/engines.js';
import { finishPart } from './lib/part.js';
import { balancedOrder, median, pairedRatio } from './lib/stats.js';

// Many short rounds rather than a few long ones: this VM's speed drifts within seconds, and a
// ratio is only as good as the two runs it pairs.
const rounds = Number(process.env.BENCH_ROUNDS ?? 12);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const pgServer = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? null;

interface Targets {
  orgtoken: string;
  bare: string;
  peer: string;
  secret: string;
  peerKey: string;
  /** The project the token may read, as a path. */
  projectPath: string;
  /** The same orgtoken on PostgreSQL, when there is a server for it. */
  orgtokenPostgres?: string;
}

/**
 * Where the processes run. On two cores or more (and unless BENCH_PIN=0), every server
 * child runs on core 0 and this process, the load generator, on core 1: otherwise the
 * scheduler moves the two (and their GC threads) across both cores, and rounds minutes
 * apart differed by 15 % and more. Only one server is loaded at a time.
 */
const pinned =
  process.env.BENCH_PIN !== '0' &&
  availableParallelism() >= 2 &&
  spawnSync('taskset', ['-a', '-pc', '1', String(process.pid)]).status === 0;

/** One child of bench/lib/servers.ts (`orgtoken`, `orgtoken-postgres` or `peer`) and the JSON line it prints. */
async function startChild(
  which: 'orgtoken' | 'orgtoken-postgres' | 'peer',
  ...rest: string[]
): Promise<{ info: unknown; stop: () => void }> {
  const node = [process.execPath, '--import', 'tsx', 'bench/lib/servers.ts', which, ...rest];
  const [command, ...args] = pinned ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(command as string, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${which} targets exited with ${code}`)));
  });
  return { info: JSON.parse(first), stop: () => child.kill('SIGTERM') };
}

// The peer has a process of its own: see bench/lib/servers.ts for why.
async function startTargets(): Promise<{ targets: Targets; stop: () => Promise<void> }> {
  const children: Array<{ info: unknown; stop: () => void }> = [];
  const database = pgServer ? await scratchDatabase(pgServer, 'orgtoken_http') : null;
  const stop = async () => {
    for (const child of children) child.stop();
    // `with (force)` ends the server's connections if it has not exited yet.
    await database?.drop();
  };
  try {
    children.push(await startChild('orgtoken'));
    children.push(await startChild('peer'));
    if (database) children.push(await startChild('orgtoken-postgres', database.url));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    targets: Object.assign({}, ...children.map((child) => child.info)) as Targets,
    stop,
  };
}

async function load(url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, connections: 50, duration: seconds, headers });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return result.requests.average;
}

async function main() {
  const { targets, stop } = await startTargets();
  try {
    const bearer = { authorization: `Bearer ${targets.secret}` };
    const postgres = targets.orgtokenPostgres;
    const cases = {
      authenticated: () => load(`${targets.orgtoken}/api/v1/me`, bearer),
      // What SonarScanner asks first in every analysis: is this token valid?
      validate: () => load(`${targets.orgtoken}/api/authentication/validate`, bearer),
      // The same token reading one project: authorization and a store read behind it.
      projectRead: () => load(`${targets.orgtoken}${targets.projectPath}`, bearer),
      bareFastify: () => load(`${targets.bare}/`, {}),
      healthz: () => load(`${targets.orgtoken}/healthz`, {}),
      betterAuthPeer: () => load(`${targets.peer}/verify`, { 'x-api-key': targets.peerKey }),
      ...(postgres
        ? {
            validatePostgres: () => load(`${postgres}/api/authentication/validate`, bearer),
            projectReadPostgres: () => load(`${postgres}${targets.projectPath}`, bearer),
          }
        : {}),
    };
    const samples: Record<string, number[]> = {};
    // One short warm-up of each, not recorded.
    for (const run of Object.values(cases)) await run();
    const order = Object.entries(cases);
    for (let round = 0; round < rounds; round += 1) {
      // Each round in another order (balancedOrder), so that none always follows the same one
      // (the orgtoken runs would otherwise always come after the peer's, with their server idle).
      for (const [name, run] of balancedOrder(order, round)) {
        const rate = await run();
        samples[name] = [...(samples[name] ?? []), rate];
        console.log(`round ${round + 1}: ${name} ${Math.round(rate)} req/s`);
      }
    }
    const rps = Object.fromEntries(
      Object.entries(samples).map(([name, values]) => [name, Math.round(median(values))]),
    ) as Record<string, number>;
    // Ratios within each round, then their median (see pairedRatio).
    const ratio = (name: string, to: string) => pairedRatio(samples[name] ?? [], samples[to] ?? []);
    const result = {
      date: new Date().toISOString(),
      connections: 50,
      secondsPerRun: seconds,
      rounds,
      pinned: pinned ? { servers: 'core 0', loadGenerator: 'core 1' } : false,
      requestsPerSecond: rps,
      authenticatedVsBare: Number(ratio('authenticated', 'bareFastify').toFixed(3)),
      validateVsBare: Number(ratio('validate', 'bareFastify').toFixed(3)),
      healthzVsBare: Number(ratio('healthz', 'bareFastify').toFixed(3)),
      authenticatedVsPeer: Number(ratio('authenticated', 'betterAuthPeer').toFixed(2)),
      validateVsPeer: Number(ratio('validate', 'betterAuthPeer').toFixed(2)),
      projectReadVsValidate: Number(ratio('projectRead', 'validate').toFixed(3)),
      projectReadVsValidatePostgres: postgres
        ? Number(ratio('projectReadPostgres', 'validatePostgres').toFixed(3))
        : null,
      samples: Object.fromEntries(
        Object.entries(samples).map(([name, values]) => [name, values.map((v) => Math.round(v))]),
      ),
    };
    await finishPart(result, [
      {
        ...result.requestsPerSecond,
        vsBare: result.authenticatedVsBare,
        validateVsBare: result.validateVsBare,
        vsPeer: result.authenticatedVsPeer,
        readVsValidate: result.projectReadVsValidate,
        readVsValidatePostgres: result.projectReadVsValidatePostgres,
      },
    ]);
  } finally {
    await stop();
  }
}

await main();
