/**
 * Throughput over HTTP (issue 7, b and c): an orgtoken request authenticated by an
 * organization token (cache hit) against a bare Fastify route, orgtoken's own /healthz, and
 * better-auth's API-key plugin verifying a key (and SonarScanner's first call, GET
 * /api/authentication/validate, with the same token). autocannon, 50 connections; the targets run
 * in child processes (better-auth in one of its own) and are loaded one at a time,
 * alternating, so that none gets a warmer machine. A part of `npm run bench` (bench/run.ts);
 * alone: npx tsx bench/http.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { finishPart } from './lib/part.js';
import { median, pairedRatio, rotated } from './lib/stats.js';

// Many short rounds rather than a few long ones: this VM's speed drifts within seconds, and a
// ratio is only as good as the two runs it pairs.
const rounds = Number(process.env.BENCH_ROUNDS ?? 12);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);

interface Targets {
  orgtoken: string;
  bare: string;
  peer: string;
  secret: string;
  peerKey: string;
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

/** One child of bench/lib/servers.ts (`orgtoken` or `peer`) and the JSON line it prints. */
async function startChild(
  which: 'orgtoken' | 'peer',
): Promise<{ info: unknown; stop: () => void }> {
  const node = [process.execPath, '--import', 'tsx', 'bench/lib/servers.ts', which];
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
async function startTargets(): Promise<{ targets: Targets; stop: () => void }> {
  const ours = await startChild('orgtoken');
  const theirs = await startChild('peer').catch((error: unknown) => {
    ours.stop();
    throw error;
  });
  return {
    targets: { ...(ours.info as object), ...(theirs.info as object) } as Targets,
    stop: () => {
      ours.stop();
      theirs.stop();
    },
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
    const cases = {
      authenticated: () =>
        load(`${targets.orgtoken}/api/v1/me`, { authorization: `Bearer ${targets.secret}` }),
      // What SonarScanner asks first in every analysis: is this token valid?
      validate: () =>
        load(`${targets.orgtoken}/api/authentication/validate`, {
          authorization: `Bearer ${targets.secret}`,
        }),
      bareFastify: () => load(`${targets.bare}/`, {}),
      healthz: () => load(`${targets.orgtoken}/healthz`, {}),
      betterAuthPeer: () => load(`${targets.peer}/verify`, { 'x-api-key': targets.peerKey }),
    };
    const samples: Record<string, number[]> = {};
    // One short warm-up of each, not recorded.
    for (const run of Object.values(cases)) await run();
    const order = Object.entries(cases);
    for (let round = 0; round < rounds; round += 1) {
      // Each round starts with another target, so that none always follows the same one
      // (the orgtoken runs would otherwise always come after the peer's, with their server idle).
      for (const [name, run] of rotated(order, round)) {
        const rate = await run();
        samples[name] = [...(samples[name] ?? []), rate];
        console.log(`round ${round + 1}: ${name} ${Math.round(rate)} req/s`);
      }
    }
    const rps = Object.fromEntries(
      Object.entries(samples).map(([name, values]) => [name, Math.round(median(values))]),
    ) as Record<keyof typeof cases, number>;
    // Ratios within each round, then their median (see pairedRatio).
    const ratio = (name: keyof typeof cases, to: keyof typeof cases) =>
      pairedRatio(samples[name] ?? [], samples[to] ?? []);
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
      },
    ]);
  } finally {
    stop();
  }
}

await main();
