import type { Actor } from '../domain/actors.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import { type AuditEventRow, listAuditEvents } from '../store/audit.js';
import { orgAccess, requireInstanceAdmin, requireOrgAdmin, requirePlan } from './access.js';
import type { ServiceDeps } from './context.js';

export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  actor: { type: string; id: string | null; name: string | null };
  target: { type: string; id: string | null; name: string | null };
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
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
  actor: Actor,
  orgKey: string,
  filter: { action?: string | undefined; since?: string | undefined; until?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AuditEvent>> {
  const access = await orgAccess(deps, actor, orgKey);
  requireOrgAdmin(access);
  const after = page.cursor ? (decodeCursor(page.cursor, 2) as [string, string]) : undefined;
  const rows = await listAuditEvents(
    deps.store.db,
    { ...filter, orgId: access.org.id },
    { limit: page.limit, after },
  );
  return toPage(rows, page.limit, (row) => [row.at, row.id], present);
}

/**
 * One page of the instance's audit log, newest first (instance admins): user administration,
 * organizations created and plans changed. Its events are the rows without an organization,
 * one index range like an organization's log.
 */
export async function pageInstanceAuditEvents(
  deps: ServiceDeps,
  actor: Actor,
  filter: { action?: string | undefined; since?: string | undefined; until?: string | undefined },
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<AuditEvent>> {
  requireInstanceAdmin(actor);
  const after = page.cursor ? (decodeCursor(page.cursor, 2) as [string, string]) : undefined;
  const rows = await listAuditEvents(
    deps.store.db,
    { ...filter, orgId: null },
    { limit: page.limit, after },
  );
  return toPage(rows, page.limit, (row) => [row.at, row.id], present);
}

/**
 * Every event of the filtered log, newest first, read in pages so that memory stays flat
 * however long the log (org admins, enterprise plan). Access is checked before the first
 * event is read, so a refusal is an ordinary error answer, not a broken stream.
 */
export async function exportAuditEvents(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
  filter: { action?: string | undefined; since?: string | undefined; until?: string | undefined },
): Promise<AsyncIterable<AuditEvent>> {
  const access = await orgAccess(deps, actor, orgKey);
  requireOrgAdmin(access);
  requirePlan(access.org, 'auditExport');
  const batch = 500;
  return {
    async *[Symbol.asyncIterator]() {
      let after: [string, string] | undefined;
      for (;;) {
        const rows = await listAuditEvents(
          deps.store.db,
          { ...filter, orgId: access.org.id },
          { limit: batch, after },
        );
        for (const row of rows.slice(0, batch)) yield present(row);
        const last = rows[batch - 1];
        if (rows.length <= batch || !last) return;
        after = [last.at, last.id];
      }
    },
  };
}
