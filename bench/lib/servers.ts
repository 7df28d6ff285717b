/**
 * Child process of bench/http.ts: hosts an HTTP target on loopback so that the load generator
 * (autocannon, in the parent) never shares a process with it. `servers.ts orgtoken` hosts
 * orgtoken and the bare Fastify route; `servers.ts peer` hosts better-auth's API-key plugin,
 * alone: better-auth loads AsyncLocalStorage, which on Node.js 20 turns on promise hooks for
 * the whole process, and that taxes every promise of any server beside it (measured: orgtoken
 * 9,700 req/s next to it, 15,700 without). `servers.ts orgtoken-postgres <url>` hosts orgtoken
 * alone on that PostgreSQL database (migrated and seeded here; the parent drops it). Each
 * orgtoken has one organization token and one project it may read. It prints one JSON line
 * with the addresses and the credentials, then serves until killed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../../src/app.js';
import { systemClock } from '../../src/domain/clock.js';
import { PasswordHasher } from '../../src/domain/passwords.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { insertProject } from '../../src/store/projects.js';
import { startBetterAuthPeer } from '../peer/better-auth-peer.js';
import { benchSecret, seedOrgTokens } from './seed.js';

/** The project every bench token may read: GET {orgtoken}{projectPath}. */
const projectPath = '/api/v1/orgs/bench-org/projects/bench-project';

/** orgtoken on `store`, seeded with one organization token and one project; its address. */
async function orgtoken(store: Store): Promise<string> {
  await migrateToLatest(store);
  await seedOrgTokens(store, 1);
  const now = new Date().toISOString();
  await insertProject(store.db, {
    id: 'bench-project',
    org_id: 'bench-org',
    key: 'bench-project',
    name: 'Bench project',
    created_at: now,
    updated_at: now,
  });
  const app = await buildApp({
    store,
    clock: systemClock,
    passwords: new PasswordHasher(),
    sessions: { idleSeconds: 3600, absoluteSeconds: 86_400 },
    // Request logging off, as for the bare server: the comparison is of the work per request.
    logger: false,
    usageFlushMs: 10_000,
  });
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function orgtokenAndBare() {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-http-bench-'));
  const url = await orgtoken(openStore(`sqlite:${join(dir, 'bench.db')}`));

  const bare = Fastify();
  bare.get('/', async () => ({ ok: true }));
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  process.stdout.write(
    `${JSON.stringify({ orgtoken: url, bare: bareUrl, secret: benchSecret(0), projectPath })}\n`,
  );
}

async function orgtokenOnPostgres(databaseUrl: string) {
  const url = await orgtoken(openStore(databaseUrl));
  process.stdout.write(`${JSON.stringify({ orgtokenPostgres: url })}\n`);
}

async function peer() {
  const server = await startBetterAuthPeer({ keys: 1 });
  process.stdout.write(`${JSON.stringify({ peer: server.url, peerKey: server.keys[0] })}\n`);
}

// A plain exit on a signal, so that --cpu-prof can write its profile when profiling.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
const [which, databaseUrl] = process.argv.slice(2);
await (which === 'peer'
  ? peer()
  : which === 'orgtoken-postgres' && databaseUrl
    ? orgtokenOnPostgres(databaseUrl)
    : orgtokenAndBare());
