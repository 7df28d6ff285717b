import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { defaults } from './config.js';
import type { Clock } from './domain/clock.js';
import { defaultRetrySchedule } from './domain/notifications.js';
import type { PasswordHasher } from './domain/passwords.js';
import { registerAuthentication } from './http/auth/hook.js';
import { frameworkErrors, registerErrorHandling } from './http/errors.js';
import { createMetrics, registerMetrics } from './http/metrics.js';
import { analysisRoutes } from './http/routes/analyses.js';
import { auditRoutes } from './http/routes/audit.js';
import { cliRoutes, defaultCliBundle } from './http/routes/cli.js';
import { healthRoutes } from './http/routes/health.js';
import { leakRoutes } from './http/routes/leaks.js';
import { notificationRoutes } from './http/routes/notifications.js';
import { orgTokenRoutes } from './http/routes/org-tokens.js';
import { orgRoutes } from './http/routes/orgs.js';
import { personalTokenRoutes } from './http/routes/personal-tokens.js';
import { projectRoutes } from './http/routes/projects.js';
import { serverInfoRoutes } from './http/routes/server-info.js';
import { sessionRoutes } from './http/routes/session.js';
import { setupRoutes } from './http/routes/setup.js';
import { sonarRoutes } from './http/routes/sonar.js';
import { trustPolicyRoutes } from './http/routes/trust-policies.js';
import { userRoutes } from './http/routes/users.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { declareImpliedStatuses, registerStatusGuard } from './http/status-guard.js';
import {
  registerCharsetCheck,
  registerEarlyParamsCheck,
  validatorCompiler,
} from './http/validation.js';
import { defaultWebRoot, registerWebUi } from './http/web-ui.js';
import { defaultGithubKeysUrl, GithubScanningKeys } from './runtime/github-keys.js';
import { IngestPool, type IngestPoolOptions } from './runtime/ingest-pool.js';
import { ClusterInvalidation } from './runtime/invalidation.js';
import { JobsRunner } from './runtime/jobs.js';
import type { Mailer } from './runtime/mailer.js';
import { OidcIssuers } from './runtime/oidc-issuers.js';
import { OutboxDelivery } from './runtime/outbox.js';
import { createRateLimits, type RateLimitSettings } from './runtime/rate-limits.js';
import { connectRateLimits } from './runtime/redis-rate-limits.js';
import { Readiness } from './runtime/shutdown.js';
import { UsageRecorder } from './runtime/usage-recorder.js';
import { VerificationCache } from './runtime/verification-cache.js';
import { TokenVerifier } from './runtime/verifier.js';
import { sendWebhook } from './runtime/webhook-sender.js';
import { WriteBatches } from './runtime/write-batches.js';
import type { ServiceDeps, SessionPolicy } from './services/context.js';
import { isoNow } from './services/context.js';
import { FirstRunSetup } from './services/setup.js';
import { recordSupersededUse } from './services/superseded-secrets.js';
import { scanExpiries, scanStale } from './services/token-notices.js';
import {
  analysisBatchRows,
  insertAnalysisAtOnce,
  insertAnalysisRecords,
  recordRows,
} from './store/analyses.js';
import type { Store } from './store/db.js';
import { isRowFault } from './store/errors.js';
import { purgeJwtIds } from './store/trust-policies.js';

/**
 * The long-lived parts of one app: the token machinery, reachable for tests and benchmarks,
 * and the first-run setup, which the process entry starts before it listens.
 */
export interface Runtime {
  cache: VerificationCache;
  /** The periodic jobs; tests run them with runOnce() and a moved clock. */
  jobs: JobsRunner;
  outbox: OutboxDelivery;
  usage: UsageRecorder;
  verifier: TokenVerifier;
  services: ServiceDeps;
  setup: FirstRunSetup;
  /** Off from the first SIGTERM: /readyz then fails while requests are still served. */
  readiness: Readiness;
}

declare module 'fastify' {
  interface FastifyInstance {
    runtime: Runtime;
  }
}

export interface AppDeps {
  store: Store;
  clock: Clock;
  passwords: PasswordHasher;
  sessions: SessionPolicy;
  trustProxy?: boolean | string[];
  /** Usage flush interval in ms; 0 flushes only on close (tests call flush themselves). */
  usageFlushMs?: number;
  /** Largest analysis upload in bytes (ORGTOKEN_BODY_LIMIT_MB); JSON API bodies stay at 1 MiB. */
  analysisBodyLimit?: number;
  /** Uploads parsed at once and waiting (ORGTOKEN_INGEST_*); tests also give a worker. */
  ingest?: Partial<IngestPoolOptions>;
  /** Failed authentications allowed per window (see config.ts); tests raise them. */
  rateLimits?: RateLimitSettings;
  /** REDIS_URL: the rate limits are counted in Redis for every instance; absent or null, here. */
  redisUrl?: string | null;
  /** Verification cache bound. */
  cacheMaxEntries?: number;
  /** The built web UI to serve at /, or false for the API alone (default: web/dist). */
  webRoot?: string | false;
  /** Fail any answer whose status its route does not declare (tests; see status-guard.ts). */
  checkDeclaredStatuses?: boolean;
  /** pino options, or false for no logs (tests). */
  logger?: boolean | Record<string, unknown>;
  version?: string;
  /** ORGTOKEN_PUBLIC_URL: the server URL the web UI shows in CI snippets (null: its origin). */
  publicUrl?: string | null;
  /** Email, webhooks and the periodic jobs (docs/operations.md "Notifications"). */
  notifications?: NotificationDeps;
  /** CI issuers that may be served over http (ORGTOKEN_OIDC_INSECURE_ISSUERS). */
  oidcInsecureIssuers?: string[];
  /** Where GitHub lists its secret scanning keys (ORGTOKEN_GITHUB_KEYS_URL). */
  githubKeysUrl?: string;
}

export interface NotificationDeps {
  /** Null or absent: no email. */
  mailer?: Mailer | null;
  allowInsecureWebhooks?: boolean;
  retrySchedule?: readonly number[];
  /** How often the jobs run, in ms; absent or 0: never by themselves (tests run them). */
  jobsIntervalMs?: number;
  webhookTimeoutMs?: number;
}

/** Never logged: credentials travel in these. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

// JSON API bodies are small; the analysis upload route raises its own limit.
const apiBodyLimit = 1024 * 1024;

/** The CI token verifier, with the issuers it may ask over http. */
function ciIssuers(deps: AppDeps): ServiceDeps['oidc'] {
  const insecureIssuers = [...(deps.oidcInsecureIssuers ?? [])];
  const issuers = new OidcIssuers({ clock: deps.clock, insecureIssuers });
  return { verify: (jwt, expected) => issuers.verify(jwt, expected), insecureIssuers };
}

/** Where the app listens, for links when no public URL is configured. */
function listeningUrl(app: FastifyInstance): string {
  const address = app.addresses()[0];
  if (!address || typeof address === 'string') return 'http://localhost';
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Builds the Fastify app with every plugin and route; tests call app.inject() on it. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      deps.logger === false || deps.logger === undefined
        ? false
        : { ...(deps.logger === true ? {} : deps.logger), redact: redactedPaths },
    trustProxy: deps.trustProxy ?? false,
    bodyLimit: apiBodyLimit,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    routerOptions: { maxParamLength: 500 },
    frameworkErrors,
    // While closing, requests on open connections are served normally; Fastify's own 503
    // would not have the documented error body.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const limitSettings = deps.rateLimits ?? {
    tokenFailuresPerMinute: defaults.tokenFailuresPerMinute,
    passwordFailuresPer15Minutes: defaults.passwordFailuresPer15Minutes,
  };
  const limits = deps.redisUrl
    ? await connectRateLimits(limitSettings, { url: deps.redisUrl, log: app.log })
    : createRateLimits(limitSettings);
  app.addHook('onClose', () => limits.close());
  const { registry, telemetry } = createMetrics({ rateLimitBackend: () => limits.backend() });
  const cache = new VerificationCache(deps.cacheMaxEntries ?? defaults.tokenCacheSize);
  const usage = new UsageRecorder(deps.store, telemetry, (error) =>
    app.log.warn({ err: error }, 'usage flush failed; kept for the next one'),
  );
  const invalidation = new ClusterInvalidation(cache, deps.store.notifications, (error) =>
    app.log.warn({ err: error }, 'cache invalidation channel trouble; the 30 s backstop holds'),
  );
  const verifier = new TokenVerifier({
    failures: limits.tokenFailures,
    unknown: limits.unknownTokens,
    store: deps.store,
    clock: deps.clock,
    cache,
    usage,
    telemetry,
    invalidate: invalidation,
    // Called during requests only, after `services` below exists.
    onSupersededUse: (use) => recordSupersededUse(services, use),
    onError: (error) => app.log.warn({ err: error }, 'a write of token verification failed'),
  });
  const notifications = deps.notifications ?? {};
  const mailer = notifications.mailer ?? null;
  const allowInsecureWebhooks = notifications.allowInsecureWebhooks ?? false;
  const services: ServiceDeps = {
    store: deps.store,
    clock: deps.clock,
    passwords: deps.passwords,
    sessions: deps.sessions,
    invalidate: invalidation,
    limits,
    notify: { email: mailer !== null, allowInsecureWebhooks },
    oidc: ciIssuers(deps),
    githubKeys: new GithubScanningKeys({
      clock: deps.clock,
      keysUrl: deps.githubKeysUrl ?? defaultGithubKeysUrl,
    }),
    // SQLite writes the small uploads that finish together in one transaction; PostgreSQL
    // writes each in one statement of its own, at once. Batched there too, they were slower
    // (0.83 x the uploads a second, paired in one run): one batch at a time against the
    // pool's concurrent statements (docs/architecture.md, flow 2).
    analysisWrites:
      deps.store.engine === 'postgres'
        ? { write: (record) => insertAnalysisAtOnce(deps.store.db, record) }
        : new WriteBatches((records) => insertAnalysisRecords(deps.store.db, records), {
            weight: recordRows,
            maxWeight: analysisBatchRows,
            itemFault: isRowFault,
          }),
  };
  // Built here only: the setup code it holds must be the one its routes check.
  const setup = new FirstRunSetup(services);
  const outbox = new OutboxDelivery({
    store: deps.store,
    clock: deps.clock,
    mailer,
    publicUrl: () => deps.publicUrl ?? listeningUrl(app),
    allowInsecureWebhooks,
    retrySchedule: notifications.retrySchedule ?? defaultRetrySchedule,
    send: sendWebhook,
    ...(notifications.webhookTimeoutMs === undefined
      ? {}
      : { timeoutMs: notifications.webhookTimeoutMs }),
  });
  const jobs = new JobsRunner(
    [
      { name: 'expiry scan', run: () => scanExpiries(services) },
      { name: 'stale scan', run: () => scanStale(services) },
      { name: 'outbox delivery', run: () => outbox.deliverDue() },
      { name: 'CI token id purge', run: () => purgeJwtIds(deps.store.db, isoNow(services)) },
    ],
    (job, error) =>
      app.log.warn({ err: error, job }, 'a periodic job failed; it runs again next time'),
  );
  if (notifications.jobsIntervalMs) jobs.start(notifications.jobsIntervalMs);
  app.addHook('onClose', async () => {
    outbox.stop();
    await jobs.stop();
    mailer?.close();
  });
  const readiness = new Readiness();
  app.decorate('runtime', {
    cache,
    jobs,
    outbox,
    usage,
    verifier,
    services,
    setup,
    readiness,
  });
  const concurrency = deps.ingest?.concurrency ?? defaults.ingestConcurrency;
  const ingest = new IngestPool({
    ...deps.ingest,
    concurrency,
    queue: deps.ingest?.queue ?? concurrency * defaults.ingestQueuePerParser,
    bodyLimitBytes: deps.analysisBodyLimit ?? defaults.bodyLimitMb * 1024 * 1024,
    onWorkerFailure: (error) => app.log.error({ err: error }, 'a report parser stopped mid-parse'),
  });
  app.addHook('onClose', () => ingest.close());
  if (deps.usageFlushMs) usage.start(deps.usageFlushMs);
  // Usage still in memory is written before the process lets go of the store.
  app.addHook('onClose', async () => {
    // A grace ended or a use recorded by a verification lands before the store closes.
    await verifier.idle();
    await invalidation.stop();
    await usage.stop();
  });
  invalidation.start();

  app.setValidatorCompiler(validatorCompiler);
  // Before swagger registers its own onRoute hook, so that the document shows these too.
  app.addHook('onRoute', declareImpliedStatuses);
  if (deps.checkDeclaredStatuses) registerStatusGuard(app);
  registerCharsetCheck(app);
  registerEarlyParamsCheck(app);
  const page =
    deps.webRoot === false ? null : await registerWebUi(app, deps.webRoot ?? defaultWebRoot);
  registerErrorHandling(app, page);

  registerSecurityHeaders(app);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'orgtoken API',
        description: 'Scoped organization tokens, organizations, members and projects.',
        version: deps.version ?? '0.0.0',
      },
      components: {
        securitySchemes: {
          token: {
            type: 'http',
            scheme: 'bearer',
            description: 'An organization token (oto_...) or a personal access token (otu_...)',
          },
          tokenAsLogin: {
            type: 'http',
            scheme: 'basic',
            description: 'The token as login with an empty password, as SonarQube scanners send it',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'orgtoken_session' },
        },
      },
      security: [{ token: [] }, { tokenAsLogin: [] }, { session: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerMetrics(app, registry);
  await app.register(healthRoutes(deps.store, readiness));
  await app.register(cliRoutes(defaultCliBundle));
  await app.register(
    async (api) => {
      registerAuthentication(api, services, verifier);
      await api.register(setupRoutes(setup));
      await api.register(
        serverInfoRoutes({ version: deps.version ?? '0.0.0', publicUrl: deps.publicUrl ?? null }),
      );
      await api.register(sessionRoutes(services));
      await api.register(userRoutes(services));
      await api.register(orgRoutes(services));
      await api.register(projectRoutes(services));
      await api.register(auditRoutes(services));
      await api.register(orgTokenRoutes(services));
      await api.register(personalTokenRoutes(services));
      await api.register(notificationRoutes(services));
      await api.register(trustPolicyRoutes(services));
      await api.register(leakRoutes(services));
      await api.register(
        analysisRoutes(
          services,
          deps.analysisBodyLimit ?? defaults.bodyLimitMb * 1024 * 1024,
          ingest,
        ),
      );
    },
    { prefix: '/api/v1' },
  );
  await app.register(sonarRoutes(services, verifier, deps.version ?? '0.0.0'), { prefix: '/api' });
  return app;
}
