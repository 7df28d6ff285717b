import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { defaults } from './config.js';
import type { Clock } from './domain/clock.js';
import type { PasswordHasher } from './domain/passwords.js';
import { registerAuthentication } from './http/auth/hook.js';
import { frameworkErrors, registerErrorHandling } from './http/errors.js';
import { createMetrics, registerMetrics } from './http/metrics.js';
import { analysisRoutes } from './http/routes/analyses.js';
import { auditRoutes } from './http/routes/audit.js';
import { cliRoutes, defaultCliBundle } from './http/routes/cli.js';
import { healthRoutes } from './http/routes/health.js';
import { orgTokenRoutes } from './http/routes/org-tokens.js';
import { orgRoutes } from './http/routes/orgs.js';
import { personalTokenRoutes } from './http/routes/personal-tokens.js';
import { projectRoutes } from './http/routes/projects.js';
import { serverInfoRoutes } from './http/routes/server-info.js';
import { sessionRoutes } from './http/routes/session.js';
import { setupRoutes } from './http/routes/setup.js';
import { sonarRoutes } from './http/routes/sonar.js';
import { userRoutes } from './http/routes/users.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { declareImpliedStatuses, registerStatusGuard } from './http/status-guard.js';
import {
  registerCharsetCheck,
  registerEarlyParamsCheck,
  validatorCompiler,
} from './http/validation.js';
import { defaultWebRoot, registerWebUi } from './http/web-ui.js';
import { IngestPool, type IngestPoolOptions } from './runtime/ingest-pool.js';
import { ClusterInvalidation } from './runtime/invalidation.js';
import { createRateLimits } from './runtime/rate-limits.js';
import { UsageRecorder } from './runtime/usage-recorder.js';
import { VerificationCache } from './runtime/verification-cache.js';
import { TokenVerifier } from './runtime/verifier.js';
import type { ServiceDeps, SessionPolicy } from './services/context.js';
import { FirstRunSetup } from './services/setup.js';
import type { Store } from './store/db.js';

/**
 * The long-lived parts of one app: the token machinery, reachable for tests and benchmarks,
 * and the first-run setup, which the process entry starts before it listens.
 */
export interface Runtime {
  cache: VerificationCache;
  usage: UsageRecorder;
  verifier: TokenVerifier;
  services: ServiceDeps;
  setup: FirstRunSetup;
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
  rateLimits?: { tokenFailuresPerMinute: number; passwordFailuresPer15Minutes: number };
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

  const { registry, telemetry } = createMetrics();
  const cache = new VerificationCache(deps.cacheMaxEntries ?? defaults.tokenCacheSize);
  const usage = new UsageRecorder(deps.store, telemetry, (error) =>
    app.log.warn({ err: error }, 'usage flush failed; kept for the next one'),
  );
  const limits = createRateLimits(
    deps.rateLimits ?? {
      tokenFailuresPerMinute: defaults.tokenFailuresPerMinute,
      passwordFailuresPer15Minutes: defaults.passwordFailuresPer15Minutes,
    },
  );
  const verifier = new TokenVerifier({
    failures: limits.tokenFailures,
    unknown: limits.unknownTokens,
    store: deps.store,
    clock: deps.clock,
    cache,
    usage,
    telemetry,
    onError: (error) => app.log.warn({ err: error }, 'audit of a denied token failed'),
  });
  const invalidation = new ClusterInvalidation(cache, deps.store.notifications, (error) =>
    app.log.warn({ err: error }, 'cache invalidation channel trouble; the 30 s backstop holds'),
  );
  const services: ServiceDeps = {
    store: deps.store,
    clock: deps.clock,
    passwords: deps.passwords,
    sessions: deps.sessions,
    invalidate: invalidation,
    limits,
  };
  // Built here only: the setup code it holds must be the one its routes check.
  const setup = new FirstRunSetup(services);
  app.decorate('runtime', { cache, usage, verifier, services, setup });
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
  await app.register(healthRoutes(deps.store));
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
