/**
 * Scale (issue 7, d to f): cache-miss verification latency with 1,000 and 1,000,000 tokens
 * in the store, on SQLite and on PostgreSQL (BENCH_DATABASE_URL, a server to create
 * scratch databases on); the token list with 100,000 tokens in one organization; store
 * writes per 100,000 authenticated requests; the RSS of a server process after it has
 * verified 1,000,000 distinct tokens (bench/lib/server-memory.ts). A part of `npm run bench`
 * (bench/run.ts); alone: npx tsx bench/scale.ts. BENCH_PARTS=usage,list,miss runs only
 * those parts (`npx tsx bench/run.ts scale` then merges them into the day's results file);
 * BENCH_BIG replaces 1,000,000; BENCH_SERVER_FLAGS gives the server process Node.js flags.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { defaults } from '../src/config.js';
import { systemClock } from '../src/domain/clock.js';
import { encodeCursor } from '../src/domain/pagination.js';
import { FailureLimiter, RecentDigests } from '../src/runtime/rate-limits.js';
import { UsageRecorder } from '../src/runtime/usage-recorder.js';
import { VerificationCache } from '../src/runtime/verification-cache.js';
import { TokenVerifier } from '../src/runtime/verifier.js';
import type { ServiceDeps } from '../src/services/context.js';
import { pageOrgTokens } from '../src/services/org-tokens.js';
import { type Engine, openStore, type Store } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { scratchDatabase } from '../test/helpers/engines.js';
import { finishPart } from './lib/part.js';
import { benchSecret, seedOrgTokens } from './lib/seed.js';
import { serverMemoryAfter } from './lib/server-memory.js';
import { quantile } from './lib/stats.js';

const big = Number(process.env.BENCH_BIG ?? 1_000_000);
/** Node.js flags for the server process of the memory figure (`--max-old-space-size=192`). */
const serverFlags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
const pgServer = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? null;
const quiet = { authentication() {}, cacheLookup() {}, usageFlush() {} };
const meta = { ip: '127.0.0.1', userAgent: 'bench' };

function percentiles(values: number[]) {
  return {
    p50: Number(quantile(values, 0.5).toFixed(3)),
    p99: Number(quantile(values, 0.99).toFixed(3)),
  };
}

interface Scratch {
  store: Store;
  /** The SQLite file, for a server process to open; null on PostgreSQL. */
  file: string | null;
  /** Closes this process's connection (once); drop() closes it too. */
  release: () => Promise<void>;
  drop: () => Promise<void>;
}

/** `close`, run at most once. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () => {
    closing ??= close();
    return closing;
  };
}

async function scratch(engine: Engine): Promise<Scratch> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'orgtoken-scale-'));
    const file = join(dir, 'scale.db');
    const store = openStore(`sqlite:${file}`);
    await migrateToLatest(store);
    const release = once(() => store.close());
    return {
      store,
      file,
      release,
      drop: async () => {
        await release();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!pgServer) throw new Error('set BENCH_DATABASE_URL (or TEST_DATABASE_URL) for PostgreSQL');
  const database = await scratchDatabase(pgServer, 'orgtoken_scale');
  const store = openStore(database.url);
  await migrateToLatest(store);
  const release = once(() => store.close());
  return {
    store,
    file: null,
    release,
    drop: async () => {
      await release();
      await database.drop();
    },
  };
}

function verifierFor(store: Store, cache = new VerificationCache(defaults.tokenCacheSize)) {
  const usage = new UsageRecorder(store, quiet);
  const verifier = new TokenVerifier({
    store,
    clock: systemClock,
    cache,
    usage,
    telemetry: quiet,
    failures: new FailureLimiter(1_000_000_000, 60_000),
    unknown: new RecentDigests(60_000),
  });
  return { verifier, usage, cache };
}

/**
 * Cache-miss latency in ms: the cache is emptied before every verification. The secrets of
 * random tokens among `count` are regenerated before each one, outside the timing. 10,000
 * samples after 1,000 of warm-up: the p99 is then the 100th slowest, not the 28th, so one
 * garbage collection or scheduler hiccup moves it less. A collection first, where exposed
 * (bench/run.ts runs parts with --expose-gc), so that seeding's garbage is not collected
 * inside the timings.
 */
async function missLatency(store: Store, count: number, samples = 11_000, warmUp = 1000) {
  const { verifier, cache } = verifierFor(store);
  globalThis.gc?.();
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    cache.clear();
    const secret = benchSecret(Math.floor(Math.random() * count));
    const start = process.hrtime.bigint();
    const result = await verifier.verify(secret, meta);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (!result.ok) throw new Error(result.code);
  }
  return percentiles(times.slice(warmUp)); // the first ones warm the statement and page caches
}

async function cacheMiss(engine: Engine) {
  const out: Record<string, unknown> = {};
  for (const count of [1000, big]) {
    const { store, file, release, drop } = await scratch(engine);
    try {
      const started = Date.now();
      await seedOrgTokens(store, count);
      console.log(
        `${engine}: seeded ${count} tokens in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      out[String(count)] = await missLatency(store, count);
      console.log(`${engine}: cache-miss latency with ${count} tokens`, out[String(count)]);
      if (count === big && file) {
        // The server process opens the file on its own; this one lets go of it first.
        await release();
        const memory = await serverMemoryAfter(file, count, serverFlags);
        out.serverMemory = memory;
        console.log(`${engine}: server memory after verifying ${count} tokens`, {
          after: memory.after,
          afterGc: memory.afterGc,
        });
      }
    } finally {
      await drop();
    }
  }
  return out;
}

async function tokenList(engine: Engine) {
  const { store, drop } = await scratch(engine);
  try {
    await seedOrgTokens(store, 100_000);
    const deps = {
      store,
      clock: systemClock,
      invalidate: new VerificationCache(defaults.tokenCacheSize),
    } as unknown as ServiceDeps;
    const actor = {
      type: 'user',
      id: 'bench',
      email: 'bench@example.test',
      name: 'Bench',
      instanceAdmin: true,
      via: 'session',
    } as const;
    const deep = encodeCursor([`bench-org-${String(50_000).padStart(8, '0')}`]);
    const time = async (cursor: string | undefined) => {
      const times: number[] = [];
      for (let i = 0; i < 300; i += 1) {
        const start = process.hrtime.bigint();
        const page = await pageOrgTokens(
          deps,
          { actor, meta: { ip: null, userAgent: null } },
          { org: 'bench-org' },
          { limit: 50, cursor },
        );
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (page.items.length !== 50) throw new Error('short page');
      }
      return percentiles(times.slice(20));
    };
    return { firstPage: await time(undefined), deepPage: await time(deep) };
  } finally {
    await drop();
  }
}

/** Store writes made by 100,000 authenticated requests on 1,000 tokens, flushed 10 times. */
async function usageWrites() {
  const { store, drop } = await scratch('sqlite');
  try {
    await seedOrgTokens(store, 1000);
    const secrets = Array.from({ length: 1000 }, (_, i) => benchSecret(i));
    let writes = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        if (args.node.kind !== 'SelectQueryNode') writes += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const counted: Store = { ...store, db: store.db.withPlugin(counter) };
    const { verifier, usage } = verifierFor(counted);
    let flushes = 0;
    for (let i = 0; i < 100_000; i += 1) {
      const answer = verifier.verify(secrets[i % secrets.length] as string, meta);
      const result = answer instanceof Promise ? await answer : answer;
      if (!result.ok) throw new Error(result.code);
      if (i % 10_000 === 9_999) {
        await usage.flush();
        flushes += 1;
      }
    }
    return {
      requests: 100_000,
      tokens: 1000,
      flushes,
      writes,
      writesPerTokenPerFlush: writes / (1000 * flushes),
    };
  } finally {
    await drop();
  }
}

/** BENCH_PARTS=usage,list,miss runs only those parts. */
const parts = new Set((process.env.BENCH_PARTS ?? 'usage,list,miss').split(','));

async function main() {
  const result: Record<string, unknown> = { date: new Date().toISOString() };
  if (parts.has('usage')) {
    result.usage = await usageWrites();
    console.log('usage writes', result.usage);
  }
  if (parts.has('list')) {
    result.tokenListSqlite = await tokenList('sqlite');
    console.log('token list (sqlite)', result.tokenListSqlite);
    if (pgServer) {
      result.tokenListPostgres = await tokenList('postgres');
      console.log('token list (postgres)', result.tokenListPostgres);
    }
  }
  if (parts.has('miss')) {
    result.big = big;
    result.cacheMissSqlite = await cacheMiss('sqlite');
    if (pgServer) result.cacheMissPostgres = await cacheMiss('postgres');
  }
  await finishPart(result);
}

await main();
