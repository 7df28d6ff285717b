import { setFlagsFromString } from 'node:v8';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { systemClock } from './domain/clock.js';
import { PasswordHasher } from './domain/passwords.js';
import { createMailer } from './runtime/mailer.js';
import { GracefulShutdown } from './runtime/shutdown.js';
import { purgeExpiredSessions } from './services/sessions.js';
import { openStore } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { version } from './version.js';

const sessionPurgeIntervalMs = 10 * 60 * 1000;

/**
 * How far V8 lets the old generation grow past what survived the last full collection before
 * it collects again: 1.5 times. Left to itself V8 allows up to 4 times, and a server verifying
 * a stream of distinct tokens (each one evicts a cache entry that has lived long enough to be
 * old) swung between 180 and 450 MiB resident; capped, it stayed between 180 and 220 MiB, at
 * the same speed (bench/README.md). A full collection of orgtoken's small live heap is quick.
 * V8 reads this flag whenever it sizes the heap, so setting it at start takes effect (Node
 * warns that flags changed after start may do nothing; the benchmark shows this one works). It
 * applies to the whole process. A `--heap-growing-percent` given to node itself wins.
 */
function limitHeapGrowth(): void {
  if (process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent/.test(flag))) return;
  setFlagsFromString('--heap-growing-percent=50');
}

/**
 * Starts orgtoken: opens the store, applies migrations, creates the configured admin or
 * prints the first-run setup link, and listens. Returns a function that shuts down cleanly.
 */
export async function startServer(config: Config): Promise<{
  app: FastifyInstance;
  url: string;
  /** Closes at once: no drain delay, in-flight requests finished. */
  close: () => Promise<void>;
  /** SIGTERM's stop (SPEC §13): `urgent` (a second SIGTERM, SIGINT) skips the drain delay. */
  shutdown: (urgent: boolean) => Promise<void>;
}> {
  limitHeapGrowth();
  const store = openStore(config.databaseUrl, {
    preparedStatements: config.pgPreparedStatements,
  });
  await migrateToLatest(store);

  const app = await buildApp({
    store,
    clock: systemClock,
    passwords: new PasswordHasher(),
    sessions: {
      idleSeconds: config.sessionIdleSeconds,
      absoluteSeconds: config.sessionAbsoluteSeconds,
    },
    trustProxy: config.trustProxy,
    usageFlushMs: config.usageFlushMs,
    cacheMaxEntries: config.tokenCacheSize,
    analysisBodyLimit: config.bodyLimitBytes,
    ingest: config.ingest,
    rateLimits: config.rateLimits,
    redisUrl: config.redisUrl,
    logger: { level: config.logLevel },
    version,
    publicUrl: config.publicUrl,
    notifications: {
      mailer: config.notifications.smtpUrl
        ? createMailer({ url: config.notifications.smtpUrl, from: config.notifications.mailFrom })
        : null,
      allowInsecureWebhooks: config.notifications.webhookAllowInsecure,
      retrySchedule: config.notifications.retrySchedule,
      jobsIntervalMs: config.notifications.jobsIntervalSeconds * 1000,
    },
    oidcInsecureIssuers: config.oidcInsecureIssuers,
    githubKeysUrl: config.githubKeysUrl,
  });

  // Before listening, so that a ready server already has its configured admin.
  const code = await app.runtime.setup.start(config.admin);
  const url = await app.listen({ port: config.port, host: config.host });
  if (code) {
    const base = config.publicUrl ?? url;
    // Printed on purpose, once: whoever reads the server's output creates the first admin.
    // The code travels in the URL fragment, which browsers never send: it cannot end up in
    // this server's request log or a proxy's.
    process.stdout.write(
      `\norgtoken has no users yet. Create the first instance admin at:\n  ${new URL(`/setup#code=${code}`, base)}\n\n`,
    );
  }

  // Expired sessions are refused when presented; this only reclaims their rows.
  const purge = setInterval(() => {
    purgeExpiredSessions(app.runtime.services).catch((error: unknown) =>
      app.log.warn({ err: error }, 'session purge failed'),
    );
  }, sessionPurgeIntervalMs);
  purge.unref();

  const close = async () => {
    clearInterval(purge);
    await app.close();
    await store.close();
  };
  const graceful = new GracefulShutdown({
    readiness: app.runtime.readiness,
    delayMs: config.shutdown.delaySeconds * 1000,
    graceMs: config.shutdown.graceSeconds * 1000,
    close,
    closeConnections: () => app.server.closeAllConnections(),
    log: (message, details) => app.log.info(details ?? {}, message),
  });
  return { app, url, close, shutdown: (urgent) => graceful.begin(urgent) };
}
