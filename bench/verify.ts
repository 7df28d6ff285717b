/**
 * In-process verification on a cache hit against raw SHA-256 of the same tokens (issue 3,
 * acceptance 6; issue 7: verification >= 0.5 x raw SHA-256). A part of `npm run bench`
 * (bench/run.ts); alone: npx tsx bench/verify.ts.
 */
import { createHash, hash } from 'node:crypto';
import { defaults } from '../src/config.js';
import { systemClock } from '../src/domain/clock.js';
import { FailureLimiter, RecentDigests } from '../src/runtime/rate-limits.js';
import { UsageRecorder } from '../src/runtime/usage-recorder.js';
import { VerificationCache } from '../src/runtime/verification-cache.js';
import { TokenVerifier } from '../src/runtime/verifier.js';
import { openStore } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { finishPart } from './lib/part.js';
import { benchSecrets, seedOrgTokens } from './lib/seed.js';
import { balancedOrder, median, pairedRatio } from './lib/stats.js';

const tokenCount = 1000;
// Many short rounds, each pairing the two: this VM's speed drifts by tens of percent within
// seconds, so a ratio is only meaningful between runs next to each other.
const rounds = Number(process.env.BENCH_VERIFY_ROUNDS ?? 25);
const perRound = 50_000;

let misses = 0;
const noTelemetry = {
  authentication() {},
  cacheLookup(hit: boolean) {
    if (!hit) misses += 1;
  },
  usageFlush() {},
};

async function setup() {
  const store = openStore('sqlite::memory:');
  await migrateToLatest(store);
  await seedOrgTokens(store, tokenCount);
  const secrets = benchSecrets(tokenCount);
  const usage = new UsageRecorder(store, noTelemetry);
  const verifier = new TokenVerifier({
    store,
    clock: systemClock,
    cache: new VerificationCache(defaults.tokenCacheSize),
    usage,
    telemetry: noTelemetry,
    failures: new FailureLimiter(30, 60_000),
    unknown: new RecentDigests(60_000),
  });
  const meta = { ip: '127.0.0.1', userAgent: 'bench' };
  for (const secret of secrets) {
    const result = await verifier.verify(secret, meta);
    if (!result.ok) throw new Error(`setup: ${result.code}`);
  }
  return { store, usage, verifier, secrets, meta };
}

function opsPerSecond(ns: bigint, ops: number): number {
  return ops / (Number(ns) / 1e9);
}

async function main() {
  const { store, usage, verifier, secrets, meta } = await setup();
  let sink = 0;
  // The three loops, each of `perRound` operations on the same secrets.
  const loops = {
    verify: async () => {
      for (let i = 0; i < perRound; i += 1) {
        // A cache hit answers synchronously; only a miss returns a promise to wait for.
        const answer = verifier.verify(secrets[i % tokenCount] as string, meta);
        const result = answer instanceof Promise ? await answer : answer;
        if (!result.ok) throw new Error(result.code);
      }
    },
    sha: () => {
      for (let i = 0; i < perRound; i += 1) {
        // The fastest SHA-256 Node offers (one-shot crypto.hash), in its usual hex form.
        sink += hash('sha256', secrets[i % tokenCount] as string, 'hex').length;
      }
    },
    createHash: () => {
      for (let i = 0; i < perRound; i += 1) {
        // The classic streaming API most code uses for a one-off digest.
        sink += createHash('sha256')
          .update(secrets[i % tokenCount] as string)
          .digest('hex').length;
      }
    },
  };
  const rates: Record<keyof typeof loops, number[]> = { verify: [], sha: [], createHash: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const name of balancedOrder(Object.keys(loops) as (keyof typeof loops)[], round)) {
      // None pays for collecting the garbage of the one before it (under npm run bench,
      // which runs parts with --expose-gc).
      globalThis.gc?.();
      const start = process.hrtime.bigint();
      await loops[name]();
      rates[name].push(opsPerSecond(process.hrtime.bigint() - start, perRound));
    }
    await usage.flush();
  }
  if (sink === 0) throw new Error('unreachable');
  const verify = median(rates.verify);
  const sha = median(rates.sha);
  const classic = median(rates.createHash);
  const result = {
    date: new Date().toISOString(),
    tokens: tokenCount,
    rounds,
    perRound,
    verificationCacheHitPerSecond: Math.round(verify),
    rawSha256PerSecond: Math.round(sha),
    createHashSha256PerSecond: Math.round(classic),
    ratio: Number(pairedRatio(rates.verify, rates.sha).toFixed(3)),
    ratioToCreateHash: Number(pairedRatio(rates.verify, rates.createHash).toFixed(3)),
    cacheMissesDuringRounds: misses - tokenCount,
  };
  await store.close();
  await finishPart(result, [
    { measure: 'verification, cache hit', 'ops/s': result.verificationCacheHitPerSecond },
    { measure: 'raw SHA-256 (crypto.hash, hex)', 'ops/s': result.rawSha256PerSecond },
    { measure: 'raw SHA-256 (createHash, hex)', 'ops/s': result.createHashSha256PerSecond },
    { measure: 'ratio to crypto.hash', 'ops/s': result.ratio },
    { measure: 'ratio to createHash', 'ops/s': result.ratioToCreateHash },
  ]);
}

await main();
