import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LiveSchema, ReadySchema } from '../../contract/health.js';
import { AppError } from '../../domain/errors.js';
import type { Readiness } from '../../runtime/shutdown.js';
import type { Store } from '../../store/db.js';
import { migrationsApplied } from '../../store/migrate.js';
import { errors } from '../responses.js';

/**
 * /healthz (the process is up) and /readyz (the store answers and is migrated, and the
 * instance is not shutting down).
 */
export function healthRoutes(store: Store, readiness: Readiness): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['operations'],
          summary: 'The process is up',
          response: { 200: LiveSchema, ...errors() },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['operations'],
          summary:
            'The store is reachable, every migration is applied and the instance is not shutting down',
          response: { 200: ReadySchema, ...errors() },
        },
      },
      async () => {
        if (readiness.draining) throw new AppError('SHUTTING_DOWN');
        try {
          await store.ping();
          if (!(await migrationsApplied(store))) throw new Error('migrations pending');
        } catch {
          throw new AppError('STORE_UNAVAILABLE', 'The store is not ready.');
        }
        return { status: 'ready' as const };
      },
    );
  };
}
