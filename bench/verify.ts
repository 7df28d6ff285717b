/**
 * In-process verification on a cache hit against raw SHA-256 of the same tokens (issue 3,
 * acceptance 6; issue 7: verification >= 0.5 x raw SHA-256). A part of `npm run bench`
 * (bench/run.ts); alone: npx tsx bench/verify.ts.
 */
import { createHash, hash } from 'node:crypto';
import { systemClock } from '../src/domain/clock.js';
import { FailureLimiter } from '../src/services/rate-limits.js';
import { TokenVerifier } from '../src/services/token-auth.js';
import { UsageRecorder } from '../src/services/usage.js';
import { VerificationCache } from '../src/services/verification-cache.js';
import { openStore } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { finishPart } from './lib/part.js';
import { benchSecrets, seedOrgTokens } from './lib/seed.js';
import { median } from './lib/stats.js';

const tokenCount = 1000;
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const perRound = 200_000;

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
    cache: new VerificationCache(),
    usage,
    telemetry: noTelemetry,
    failures: new FailureLimiter(30, 60_000),
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
  const verifyRates: number[] = [];
  const shaRates: number[] = [];
  const createHashRates: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // Alternate the two in each round so that neither gets a warmer machine.
    let start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i += 1) {
      // A cache hit answers synchronously; only a miss returns a promise to wait for.
      const answer = verifier.verify(secrets[i % tokenCount] as string, meta);
      const result = answer instanceof Promise ? await answer : answer;
      if (!result.ok) throw new Error(result.code);
    }
    verifyRates.push(opsPerSecond(process.hrtime.bigint() - start, perRound));
    await usage.flush();

    start = process.hrtime.bigint();
    let sink = 0;
    for (let i = 0; i < perRound; i += 1) {
      // The fastest SHA-256 Node offers (one-shot crypto.hash), the same call the verifier makes.
      sink += hash('sha256', secrets[i % tokenCount] as string, 'hex').length;
    }
    shaRates.push(opsPerSecond(process.hrtime.bigint() - start, perRound));

    start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i += 1) {
      // The classic streaming API most code uses for a one-off digest.
      sink += createHash('sha256')
        .update(secrets[i % tokenCount] as string)
        .digest('hex').length;
    }
    createHashRates.push(opsPerSecond(process.hrtime.bigint() - start, perRound));
    if (sink === 0) throw new Error('unreachable');
  }
  const verify = median(verifyRates);
  const sha = median(shaRates);
  const classic = median(createHashRates);
  const result = {
    date: new Date().toISOString(),
    tokens: tokenCount,
    rounds,
    perRound,
    verificationCacheHitPerSecond: Math.round(verify),
    rawSha256PerSecond: Math.round(sha),
    createHashSha256PerSecond: Math.round(classic),
    ratio: Number((verify / sha).toFixed(3)),
    ratioToCreateHash: Number((verify / classic).toFixed(3)),
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
