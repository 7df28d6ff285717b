import type { AuditEvent } from '../contract/audit.js';
import type { Caller } from '../domain/actors.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import { normalizeTimestamp } from '../domain/time.js';
import { type AuditEventRow, type AuditFilter, listAuditEvents } from '../store/audit.js';
import { orgAccess, requireInstanceAdmin, requireOrgAdmin, requirePlan } from './access.js';
import type { ServiceDeps } from './context.js';
import type { OrgRef, PageRequest } from './refs.js';

/** Which events to read: one action, from `since` (inclusive) to `until` (exclusive). */
export interface AuditQuery {
  action?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** The filter as stored: times in the one form the log holds them, so they compare as text. */
function filterOf(query: AuditQuery, orgId: string | null): AuditFilter {
  return {
    orgId,
    action: query.action,
    since: query.since && normalizeTimestamp(query.since, 'since'),
    until: query.until && normalizeTimestamp(query.until, 'until'),
  };
}

function present(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    action: row.action,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    target: { type: row.target_type, id: row.target_id, name: row.target_name },
    ip: row.ip,
    userAgent: row.user_agent,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** One page of an organization's audit log, newest first (org admins). */
export async function pageAuditEvents(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  query: AuditQuery & PageRequest,
): Promise<Page<AuditEvent>> {
  const access = await orgAccess(deps, caller.actor, ref.org);
  requireOrgAdmin(access);
  return pageOf(deps, filterOf(query, access.org.id), query);
}

async function pageOf(
  deps: ServiceDeps,
  filter: AuditFilter,
  page: PageRequest,
): Promise<Page<AuditEvent>> {
  const after = page.cursor ? (decodeCursor(page.cursor, 2) as [string, string]) : undefined;
  const rows = await listAuditEvents(deps.store.db, filter, { limit: page.limit, after });
  return toPage(rows, page.limit, (row) => [row.at, row.id], present);
}

/**
 * One page of the instance's audit log, newest first (instance admins): user administration,
 * organizations created and plans changed. Its events are the rows without an organization,
 * one index range like an organization's log.
 */
export async function pageInstanceAuditEvents(
  deps: ServiceDeps,
  caller: Caller,
  query: AuditQuery & PageRequest,
): Promise<Page<AuditEvent>> {
  requireInstanceAdmin(caller.actor);
  return pageOf(deps, filterOf(query, null), query);
}

/**
 * Every event of the filtered log, newest first, read in pages so that memory stays flat
 * however long the log (org admins, enterprise plan). Access is checked before the first
 * event is read, so a refusal is an ordinary error answer, not a broken stream.
 */
export async function exportAuditEvents(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  query: AuditQuery,
): Promise<AsyncIterable<AuditEvent>> {
  const access = await orgAccess(deps, caller.actor, ref.org);
  requireOrgAdmin(access);
  requirePlan(access.org, 'auditExport');
  const filter = filterOf(query, access.org.id);
  const batch = 500;
  return {
    async *[Symbol.asyncIterator]() {
      let after: [string, string] | undefined;
      for (;;) {
        const rows = await listAuditEvents(deps.store.db, filter, { limit: batch, after });
        for (const row of rows.slice(0, batch)) yield present(row);
        const last = rows[batch - 1];
        if (rows.length <= batch || !last) return;
        after = [last.at, last.id];
      }
    },
  };
}
