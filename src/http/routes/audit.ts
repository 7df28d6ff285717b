import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { normalizeTimestamp } from '../../domain/time.js';
import { pageAuditEvents } from '../../services/audit.js';
import type { ServiceDeps } from '../../services/context.js';
import { actorOf } from '../authentication.js';
import {
  AuditEventSchema,
  authErrors,
  errors,
  OrgKey,
  Page,
  PageQuery,
  Strict,
  Timestamp,
} from '../schemas.js';

/** The organization's audit log (org admins). */
export function auditRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/orgs/:org/audit-events',
      {
        schema: {
          tags: ['audit'],
          summary: 'Audit events, newest first (org admins)',
          params: Strict({ org: OrgKey }),
          querystring: Type.Composite(
            [
              PageQuery,
              Type.Object({
                action: Type.Optional(
                  Type.String({ pattern: '^[a-z_]+\\.[a-z_]+$', maxLength: 64 }),
                ),
                since: Type.Optional(Timestamp),
                until: Type.Optional(Timestamp),
              }),
            ],
            { additionalProperties: false },
          ),
          response: {
            200: Page(AuditEventSchema),
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND'),
          },
        },
      },
      async (request) => {
        const { limit, cursor, action, since, until } = request.query;
        return pageAuditEvents(
          deps,
          actorOf(request),
          request.params.org,
          {
            action,
            since: since && normalizeTimestamp(since, '/querystring/since'),
            until: until && normalizeTimestamp(until, '/querystring/until'),
          },
          { limit, cursor },
        );
      },
    );
  };
}
