import type { Kysely, Selectable } from 'kysely';
import type { RequestMeta } from '../domain/actors.js';
import type { AuditAction } from '../domain/audit-actions.js';
import { newId } from '../domain/ids.js';
import { fixedInsert } from './fixed-statements.js';
import type { AuditEventsTable, Database } from './schema.js';

export type AuditEventRow = Selectable<AuditEventsTable>;

/** What an event is about. */
export interface AuditTarget {
  type:
    | 'organization'
    | 'project'
    | 'user'
    | 'organization_token'
    | 'personal_access_token'
    | 'ephemeral_token'
    | 'trust_policy'
    | 'webhook';
  id: string;
  name: string;
}

/**
 * Who acted: a user or a token, by id and name (an Actor is one), or the server itself
 * (`system`: first-run setup, the configured admin), which has no id.
 */
export interface AuditParty {
  type: string;
  id: string | null;
  name: string;
}

/** What an event says, before it is a row: who, when and from where included. */
export interface AuditEventInput {
  orgId: string | null;
  at: string;
  action: AuditAction;
  actor: AuditParty;
  target: AuditTarget;
  meta: RequestMeta;
  details?: Record<string, unknown> | undefined;
}

/** The row an event is stored as, with a new id of its instant. */
export function auditEventRow(event: AuditEventInput): AuditEventRow {
  return {
    id: newId(Date.parse(event.at)),
    org_id: event.orgId,
    at: event.at,
    action: event.action,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    actor_name: event.actor.name,
    target_type: event.target.type,
    target_id: event.target.id,
    target_name: event.target.name,
    ip: event.meta.ip,
    user_agent: event.meta.userAgent,
    details: JSON.stringify(event.details ?? {}),
  };
}

/** Appends one event, inside the caller's transaction so it lands with the change or not at all. */
export function recordAudit(db: Kysely<Database>, event: AuditEventInput): Promise<unknown> {
  return insertAuditEvent(db, auditEventRow(event));
}

// Every column, the compiler checking that none is missing: the order of the fixed insert and
// of the statement that writes a small upload at once (analyses.ts).
const auditColumnSet: Record<keyof AuditEventRow, null> = {
  id: null,
  org_id: null,
  at: null,
  action: null,
  actor_type: null,
  actor_id: null,
  actor_name: null,
  target_type: null,
  target_id: null,
  target_name: null,
  ip: null,
  user_agent: null,
  details: null,
};
export const auditEventColumns = Object.keys(auditColumnSet) as (keyof AuditEventRow)[];

/** Audit events are appended only: this module has no update and no delete. */
export async function insertAuditEvent(db: Kysely<Database>, row: AuditEventRow): Promise<void> {
  await db.executeQuery(fixedInsert(db, 'audit_events', row, auditEventColumns));
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
