import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  type AuditEvent,
  AuditEventSchema,
  InstanceAuditQuery,
  OrgAuditQuery,
} from '../../contract/audit.js';
import { OrgParams, Page } from '../../contract/common.js';
import {
  exportAuditEvents,
  pageAuditEvents,
  pageInstanceAuditEvents,
} from '../../services/audit.js';
import type { ServiceDeps } from '../../services/context.js';
import { callerOf } from '../auth/principal.js';
import { authErrors, errors } from '../responses.js';

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
          querystring: InstanceAuditQuery,
          response: {
            200: Page(AuditEventSchema),
            ...errors(...authErrors, 'FORBIDDEN'),
          },
        },
      },
      async (request) => pageInstanceAuditEvents(deps, callerOf(request), request.query),
    );

    app.get(
      '/orgs/:org/audit-events',
      {
        schema: {
          tags: ['audit'],
          summary: 'Audit events, newest first (org admins)',
          params: OrgParams,
          querystring: OrgAuditQuery,
          response: {
            200: Page(AuditEventSchema),
            ...errors(...authErrors, 'FORBIDDEN', 'NOT_FOUND', 'PLAN_REQUIRED'),
          },
        },
      },
      async (request, reply) => {
        const { format, ...query } = request.query;
        if (!format) return pageAuditEvents(deps, callerOf(request), request.params, query);
        const events = await exportAuditEvents(deps, callerOf(request), request.params, query);
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
