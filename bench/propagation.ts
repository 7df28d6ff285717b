/**
 * Revocation propagation (issue 7): two real servers on one PostgreSQL database; a token
 * is revoked on A and B is asked about it until it refuses. p50 and max over 25 tokens,
 * each first used on B so that B holds it in its cache. Needs BENCH_DATABASE_URL or
 * TEST_DATABASE_URL. A part of `npm run bench` (bench/run.ts); alone: npx tsx
 * bench/propagation.ts.
 */
import { scratchDatabase } from '../test/helpers/engines.js';
import {
  type ServerProcess,
  serverEnv,
  signedIn,
  startServerProcesses,
} from '../test/helpers/server-process.js';
import { finishPart } from './lib/part.js';

const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const revocations = 25;
const admin = { email: 'bench@example.test', password: 'a long bench password' };

async function main() {
  if (!server) throw new Error('set BENCH_DATABASE_URL (or TEST_DATABASE_URL)');
  const database = await scratchDatabase(server, 'orgtoken_propagation');
  const env = serverEnv(database.url, admin);
  const [a, b] = (await startServerProcesses(2, env)) as [ServerProcess, ServerProcess];
  try {
    const onA = await signedIn(a.url, admin);
    await onA.call('POST', '/api/v1/orgs', { key: 'bench', name: 'Bench', plan: 'team' });
    const latencies: number[] = [];
    for (let i = 0; i < revocations; i += 1) {
      const created = await onA.call('POST', '/api/v1/orgs/bench/tokens', {
        name: `t${i}`,
        permissions: ['project:browse'],
        projects: { mode: 'all' },
        expiresAt: null,
      });
      const { id, token } = created.body as { id: string; token: string };
      const probe = () =>
        fetch(`${b.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      if ((await probe()).status !== 200) throw new Error('B refused a fresh token');
      await onA.call('DELETE', `/api/v1/orgs/bench/tokens/${id}`);
      const revokedAt = performance.now();
      for (;;) {
        if ((await probe()).status === 401) break;
        if (performance.now() - revokedAt > 35_000) throw new Error('never propagated');
      }
      latencies.push(performance.now() - revokedAt);
    }
    const sorted = [...latencies].sort((x, y) => x - y);
    const result = {
      date: new Date().toISOString(),
      revocations,
      p50Ms: Number((sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)),
      maxMs: Number((sorted.at(-1) ?? 0).toFixed(1)),
      latenciesMs: latencies.map((ms) => Number(ms.toFixed(1))),
    };
    await finishPart(result, [result]);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await database.drop();
  }
}

await main();
