import type { Kysely } from 'kysely';
import { partyOf, type RequestMeta } from '../domain/actors.js';
import type { AuditAction } from '../domain/audit-actions.js';
import {
  type AuditEventRow,
  type AuditParty,
  type AuditTarget,
  auditEventRow,
  recordAudit,
} from '../store/audit.js';
import type { Database } from '../store/schema.js';
import { isoNow, type ServiceDeps } from './context.js';

/** Who a change is recorded against: a Caller is one; the server itself is another. */
export interface AuditedBy {
  actor: AuditParty;
  meta: RequestMeta;
  /** When the change happens, if the caller already took the time for its rows; else now. */
  at?: string | undefined;
}

/** One event about a change, without what the write already knows (who, when, from where). */
export interface AuditedEvent {
  /** The organization's log, or null for the instance's. */
  orgId: string | null;
  action: AuditAction;
  target: AuditTarget;
  details?: Record<string, unknown> | undefined;
}

/** What a write inside `audited` works with. */
export interface AuditedWrite {
  /** The transaction: every statement of the write goes through it. */
  db: Kysely<Database>;
  /** The write's time: its rows and its events carry the same instant. */
  at: string;
  /** Appends an event to the log in the same transaction. */
  record(event: AuditedEvent): Promise<void>;
}

/**
 * A write and its audit events in one transaction: they land together or not at all, and an
 * event cannot be forgotten or recorded outside it. Every change of state a person or token
 * makes goes through here (docs/architecture.md "A write and its audit event are one call").
 */
export function audited<T>(
  deps: Pick<ServiceDeps, 'store' | 'clock'>,
  by: AuditedBy,
  write: (tx: AuditedWrite) => Promise<T>,
): Promise<T> {
  const at = by.at ?? isoNow(deps);
  return deps.store.db.transaction().execute((db) => write(auditedWrite(db, by, at)));
}

/**
 * The row `tx.record` would write for `event`, for a write that is not a transaction of its
 * own: a small upload, written in one statement or with others (flow 2 of
 * docs/architecture.md), whose event goes into the
 * same statement or transaction as its analysis. `by.at` must be the write's time.
 */
export function auditedEventRow(
  by: AuditedBy & { at: string },
  event: AuditedEvent,
): AuditEventRow {
  return auditEventRow(eventAt(by, by.at, event));
}

function eventAt(by: AuditedBy, at: string, event: AuditedEvent) {
  return { ...event, at, actor: partyOf(by.actor), meta: by.meta };
}

function auditedWrite(db: Kysely<Database>, by: AuditedBy, at: string): AuditedWrite {
  return {
    db,
    at,
    async record(event) {
      await recordAudit(db, eventAt(by, at, event));
    },
  };
}

/** A target of this type, named by `name` (a key, an email, a token's name). */
function named<T extends { id: string }>(type: AuditTarget['type'], name: (row: T) => string) {
  return (row: T): AuditTarget => ({ type, id: row.id, name: name(row) });
}

/** What events are about, named the same way everywhere. */
export const targetOf = {
  org: named<{ id: string; key: string }>('organization', (org) => org.key),
  project: named<{ id: string; key: string }>('project', (project) => project.key),
  user: named<{ id: string; email: string }>('user', (user) => user.email),
  orgToken: named<{ id: string; name: string }>('organization_token', (token) => token.name),
};

/** What an edit changes: the fields that differ from the row, and each one's audit details. */
export interface FieldChanges<T> {
  changed: Partial<T>;
  /** `{field: {from, to}}`, JSON text shown parsed; empty when nothing changes. */
  details: Record<string, { from: unknown; to: unknown }>;
}

/**
 * The fields of `changes` whose values differ from `row`'s, with the details an `*.updated`
 * event records: one rule for every edit, so that an edit that changes nothing writes
 * nothing and every event says what it changed from and to.
 */
export function changedFields<T extends object>(row: T, changes: Partial<T>): FieldChanges<T> {
  const entries = Object.entries(changes).filter(([key, value]) => row[key as keyof T] !== value);
  return {
    changed: Object.fromEntries(entries) as Partial<T>,
    details: Object.fromEntries(
      entries.map(([key, value]) => [
        key,
        { from: parsedIfJson(row[key as keyof T]), to: parsedIfJson(value) },
      ]),
    ),
  };
}

function parsedIfJson(value: unknown): unknown {
  if (typeof value === 'string' && (value.startsWith('[') || value.startsWith('{'))) {
    return JSON.parse(value);
  }
  return value;
}
