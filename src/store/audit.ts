import type { Kysely, Selectable } from 'kysely';
import type { AuditEventsTable, Database } from './schema.js';

export type AuditEventRow = Selectable<AuditEventsTable>;

/** Audit events are appended only: this module has no update and no delete. */
export function insertAuditEvent(db: Kysely<Database>, row: AuditEventRow): Promise<unknown> {
  return db.insertInto('audit_events').values(row).execute();
}

export interface AuditFilter {
  /** An organization's log, or null for the instance's log (the rows without an organization). */
  orgId: string | null;
  action?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** Events newest first, after the keyset `[at, id]` when given; `limit + 1` rows. */
export function listAuditEvents(
  db: Kysely<Database>,
  filter: AuditFilter,
  page: { limit: number; after?: [string, string] | undefined },
): Promise<AuditEventRow[]> {
  let query = db
    .selectFrom('audit_events')
    .selectAll()
    // `org_id IS NULL` reads the same (org_id, at, id) index range as an organization's id.
    .where('org_id', filter.orgId === null ? 'is' : '=', filter.orgId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('at', '<', filter.until);
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('at', '<', after[0]), eb.and([eb('at', '=', after[0]), eb('id', '<', after[1])])]),
    );
  }
  return query.execute();
}
