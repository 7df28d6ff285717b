/**
 * The peer for the comparative benchmark: better-auth's API-key plugin behind Fastify, so that
 * a load generator can hit it the same way it hits orgtoken's authenticated request.
 *
 * better-auth and @better-auth/api-key are pinned to the same exact version: the plugin names
 * better-auth's internals (@better-auth/core, better-call, @better-auth/utils) as peers, and a
 * mismatch either fails to install or loads two copies of the core.
 */
import { randomBytes } from 'node:crypto';
import { apiKey } from '@better-auth/api-key';
import { betterAuth } from 'better-auth';
// In 1.7 getMigrations lives under this subpath (the package's exports map), not 'better-auth/db'.
import { getMigrations } from 'better-auth/db/migration';
import SqliteDatabase from 'better-sqlite3';
import Fastify from 'fastify';

export interface BetterAuthPeer {
  url: string;
  /** The plaintext keys, in creation order; better-auth stores only their hashes. */
  keys: string[];
  close(): Promise<void>;
}

function authOptions(database: SqliteDatabase.Database) {
  return {
    // A better-sqlite3 handle is detected by the built-in Kysely adapter (SqliteDialect).
    database,
    // A fresh secret per run: nothing outlives the process, and none is committed.
    secret: randomBytes(32).toString('hex'),
    baseURL: 'http://127.0.0.1',
    // The one user who owns the keys is made through the ordinary sign-up endpoint.
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    // The plugin logs an error for every rejected key; console writes under load would be
    // measured as part of the peer's cost, and orgtoken's benchmark logs nothing per request.
    logger: { disabled: true },
    plugins: [
      apiKey({
        // On by default at 10 requests a day per key, which would turn a benchmark into 429s.
        // With it off the plugin still writes lastRequest and updatedAt on every verification.
        rateLimit: { enabled: false },
      }),
    ],
  };
}

export async function startBetterAuthPeer(options: { keys: number }): Promise<BetterAuthPeer> {
  // In memory, like orgtoken's own verify benchmark, so that neither side pays for disk sync.
  const database = new SqliteDatabase(':memory:');
  const config = authOptions(database);
  // The programmatic form of `auth migrate`: plans the tables for the core and the plugin.
  const { runMigrations } = await getMigrations(config);
  await runMigrations();
  const auth = betterAuth(config);

  const { user } = await auth.api.signUpEmail({
    body: { email: 'bench@example.test', password: randomBytes(16).toString('hex'), name: 'Bench' },
  });
  const keys: string[] = [];
  for (let i = 0; i < options.keys; i += 1) {
    // Without request headers the call counts as server-side, which is what allows userId.
    const created = await auth.api.createApiKey({ body: { userId: user.id, name: `key-${i}` } });
    keys.push(created.key);
  }

  const app = Fastify({ logger: false });
  app.get('/verify', async (request, reply) => {
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || key === '') return reply.code(401).send({ valid: false });
    // The server-only endpoint: it reports a bad key as { valid: false } instead of throwing.
    const result = await auth.api.verifyApiKey({ body: { key } });
    if (!result.valid) return reply.code(401).send({ valid: false });
    return { valid: true };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  return {
    url,
    keys,
    async close() {
      await app.close();
      database.close();
    },
  };
}
