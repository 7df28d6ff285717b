/**
 * POST /api/v1/credentials/revoke (issue 19): whether the answer's time depends on how many
 * of the submitted strings were live tokens. Each round sends two requests of 1,000 strings
 * in alternating order: none a token (well-formed lookalikes and other text), and the same with
 * three live tokens among them (fresh ones each round, so each is revoked). The spread is
 * the median of the per-round ratios (with tokens / without), on SQLite, as the route
 * answers (after its time floor) and of the work alone (`reportLeaks` timed directly, no
 * floor), so that the floor's effect is seen. A part of `npm run
 * bench` (bench/run.ts); alone: npx tsx bench/leak-revoke.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/domain/clock.js';
import { PasswordHasher } from '../src/domain/passwords.js';
import { generateToken } from '../src/domain/token-format.js';
import { reportLeaks } from '../src/services/leaks.js';
import { openStore } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { finishPart } from './lib/part.js';
import { benchSecret, seedOrgTokens } from './lib/seed.js';
import { balancedOrder, median, pairedRatio, quantile } from './lib/stats.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const strings = 1000;
const liveAmong = 3;
const orgId = 'leak-org';

const dir = mkdtempSync(join(tmpdir(), 'orgtoken-leak-'));
const store = openStore(`sqlite:${join(dir, 'leak.db')}`);
try {
  await migrateToLatest(store);
  await seedOrgTokens(store, rounds * liveAmong * 2, orgId);
  const app = await buildApp({
    store,
    clock: systemClock,
    passwords: new PasswordHasher(),
    sessions: { idleSeconds: 3600, absoluteSeconds: 3600 },
    logger: false,
    webRoot: false,
  });
  const filler = () =>
    Array.from({ length: strings }, (_, i) =>
      i % 2 === 0 ? generateToken('organization') : `not a token ${i} ${Math.random()}`,
    );
  let request = 0;
  const send = async (credentials: string[]) => {
    request += 1;
    const started = performance.now();
    const answer = await app.inject({
      method: 'POST',
      url: '/api/v1/credentials/revoke',
      payload: { credentials },
      // One address a request: the 60-an-hour limit is not what is measured.
      remoteAddress: `10.9.${request >> 8}.${request & 255}`,
    });
    const ms = performance.now() - started;
    if (answer.statusCode !== 202 || answer.body !== '') {
      throw new Error(`credentials/revoke answered ${answer.statusCode} ${answer.body}`);
    }
    return ms;
  };
  // Warm-up: the JIT and the store's caches, as a running server has them.
  for (let i = 0; i < 5; i++) await send(filler());
  // The work alone, without the route's time floor: what the floor has to cover.
  const work = async (credentials: string[]) => {
    const started = performance.now();
    await reportLeaks(
      app.runtime.services,
      { ip: null, userAgent: null },
      'public',
      credentials.map((secret) => ({ secret, url: null })),
    );
    return performance.now() - started;
  };
  const without: number[] = [];
  const withTokens: number[] = [];
  const workWithout: number[] = [];
  const workWith: number[] = [];
  let next = 0;
  const mixedFiller = () => {
    const mixed = filler();
    for (let k = 0; k < liveAmong; k++) {
      mixed[(k + 1) * 250] = benchSecret(next++, orgId);
    }
    return mixed;
  };
  for (let round = 0; round < rounds; round++) {
    const runs: Array<[number[], () => Promise<number>]> = [
      [without, () => send(filler())],
      [withTokens, () => send(mixedFiller())],
      [workWithout, () => work(filler())],
      [workWith, () => work(mixedFiller())],
    ];
    for (const [into, run] of balancedOrder(runs, round)) into.push(await run());
  }
  const revoked = await store.db
    .selectFrom('tokens')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is not', null)
    .executeTakeFirst();
  await app.close();
  const summary = (values: number[]) => ({
    p50: Number(median(values).toFixed(2)),
    p90: Number(quantile(values, 0.9).toFixed(2)),
  });
  await finishPart({
    date: new Date().toISOString(),
    engine: 'sqlite',
    rounds,
    strings,
    liveAmong,
    revoked: Number(revoked?.count ?? 0),
    withoutTokensMs: summary(without),
    withTokensMs: summary(withTokens),
    ratio: Number(pairedRatio(withTokens, without).toFixed(3)),
    work: {
      withoutTokensMs: summary(workWithout),
      withTokensMs: summary(workWith),
      ratio: Number(pairedRatio(workWith, workWithout).toFixed(3)),
    },
  });
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
