/**
 * Child process of bench/http.ts: hosts an HTTP target on loopback so that the load generator
 * (autocannon, in the parent) never shares a process with it. `servers.ts orgtoken` hosts
 * orgtoken and the bare Fastify route; `servers.ts peer` hosts better-auth's API-key plugin,
 * alone: better-auth loads AsyncLocalStorage, which on Node.js 20 turns on promise hooks for
 * the whole process, and that taxes every promise of any server beside it (measured: orgtoken
 * 9,700 req/s next to it, 15,700 without). It prints one JSON line with the addresses and the
 * credentials, then serves until killed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../../src/app.js';
import { systemClock } from '../../src/domain/clock.js';
import { PasswordHasher } from '../../src/domain/passwords.js';
import { openStore } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { startBetterAuthPeer } from '../peer/better-auth-peer.js';
import { benchSecret, seedOrgTokens } from './seed.js';

async function orgtokenAndBare() {
  const dir = mkdtempSync(join(tmpdir(), 'orgtoken-http-bench-'));
  const store = openStore(`sqlite:${join(dir, 'bench.db')}`);
  await migrateToLatest(store);
  await seedOrgTokens(store, 1);
  const secret = benchSecret(0);
  const app = await buildApp({
    store,
    clock: systemClock,
    passwords: new PasswordHasher(),
    sessions: { idleSeconds: 3600, absoluteSeconds: 86_400 },
    // Request logging off, as for the bare server: the comparison is of the work per request.
    logger: false,
    usageFlushMs: 10_000,
  });
  const orgtoken = await app.listen({ port: 0, host: '127.0.0.1' });

  const bare = Fastify();
  bare.get('/', async () => ({ ok: true }));
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  process.stdout.write(`${JSON.stringify({ orgtoken, bare: bareUrl, secret })}\n`);
}

async function peer() {
  const server = await startBetterAuthPeer({ keys: 1 });
  process.stdout.write(`${JSON.stringify({ peer: server.url, peerKey: server.keys[0] })}\n`);
}

// A plain exit on a signal, so that --cpu-prof can write its profile when profiling.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
await (process.argv[2] === 'peer' ? peer() : orgtokenAndBare());
