import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { normalizeTimestamp } from '../../domain/time.js';
import {
  type AuditEvent,
  exportAuditEvents,
  pageAuditEvents,
  pageInstanceAuditEvents,
} from '../../services/audit.js';
import type { ServiceDeps } from '../../services/context.js';
import { actorOf } from '../authentication.js';
import {
  AuditEventSchema,
  authErrors,
  errors,
  OrgParams,
  Page,
  PageQuery,
  Timestamp,
} from '../schemas.js';

async function* toNdjson(events: AsyncIterable<AuditEvent>): AsyncGenerator<string> {
  for await (const event of events) yield `${JSON.stringify(event)}\n`;
}

const csvColumns = [
  'id',
  'at',
  'action',
  'actor_type',
  'actor_id',
  'actor_name',
  'target_type',
  'target_id',
  'target_name',
  'ip',
  'user_agent',
  'details',
] as const;

/**
 * RFC 4180 quoting. A cell that a spreadsheet would read as a formula (=, +, -, @, tab, CR)
 * gets a leading apostrophe: names and user agents come from users (CSV injection).
 */
function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function* toCsv(events: AsyncIterable<AuditEvent>): AsyncGenerator<string> {
  yield `${csvColumns.join(',')}\r\n`;
  for await (const e of events) {
    const cells = [
      e.id,
      e.at,
      e.action,
      e.actor.type,
      e.actor.id,
      e.actor.name,
      e.target.type,
      e.target.id,
      e.target.name,
      e.ip,
      e.userAgent,
      JSON.stringify(e.details),
    ];
    yield `${cells.map(csvCell).join(',')}\r\n`;
  }
}

const filterQuery = {
  action: Type.Optional(Type.String({ pattern: '^[a-z_]+\\.[a-z_]+$', maxLength: 64 })),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
};

function filterOf(query: { action?: string; since?: string; until?: string }) {
  return {
    action: query.action,
    since: query.since && normalizeTimestamp(query.since, '/querystring/since'),
    until: query.until && normalizeTimestamp(query.until, '/querystring/until'),
  };
}

/**
 * The organization's audit log (org admins), the whole log as NDJSON or CSV (enterprise), and
 * the instance's audit log (instance admins).
 */
export function auditRoutes(deps: ServiceDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit-events',
      {
        schema: {
          tags: ['audit'],
          summary:
            "The instance's audit events, newest first: user administration, organizations, plans (instance admins)",
          querystring: Type.Composite([PageQuery, Type.Object(filterQuery)], {
            additionalProperties: false,
          }),
          response: {
            200: Page(AuditEventSchema),
            ...errors(...authErrors, 'FORBIDDEN'),
          },
        },
      },
      async (request) => {
        const { limit, cursor, ...filter } = request.query;
        return pageInstanceAuditEvents(deps, actorOf(request), filterOf(filter), {
          limit,
          cursor,
        });
      },
    );

    app.get(
      '/orgs/:org/audit-events',
      {
        schema: {
          tags: ['audit'],
          summary: 'Audit events, newest first (org admins)',
          params: OrgParams,
          querystring: Type.Composite(
            [
              PageQuery,
              Type.Object({
                ...filterQuery,
                format: Type.Optional(
                  Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], {
                    description: 'Stream the whole filtered log instead of a page (enterprise)',
                  }),
                ),
              }),
            ],
            { additionalProperties: false },
          ),
          response: {
            200: Page(AuditEventSchema),
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'PLAN_REQUIRED'),
          },
        },
      },
      async (request, reply) => {
        const { limit, cursor, format, ...query } = request.query;
        const filter = filterOf(query);
        if (!format) {
          return pageAuditEvents(deps, actorOf(request), request.params.org, filter, {
            limit,
            cursor,
          });
        }
        const events = await exportAuditEvents(deps, actorOf(request), request.params.org, filter);
        const name = `audit-${request.params.org}.${format}`;
        reply
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
          .header('Content-Disposition', `attachment; filename="${name}"`);
        const stream = Readable.from(format === 'csv' ? toCsv(events) : toNdjson(events));
        // A stream is sent as is (the 200 schema describes the JSON page, not the export).
        return reply.send(stream as never);
      },
    );
  };
}
