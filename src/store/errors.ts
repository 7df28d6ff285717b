import { AppError } from '../domain/errors.js';

// The one place where a database's unique-constraint violation becomes a CONFLICT. Services
// insert and let the constraint decide, instead of checking first and racing.
const conflictMessages: Record<string, string> = {
  uq_users_email: 'A user with this email already exists.',
  uq_orgs_key: 'An organization with this key already exists.',
  uq_projects_org_id_key: 'A project with this key already exists in the organization.',
  pk_memberships: 'This user is already a member of the organization.',
  uq_tokens_org_id_name: 'A token with this name already exists in the organization.',
  uq_tokens_user_id_name: 'You already have a token with this name.',
  uq_trust_policies_org_id_name:
    'A trust policy with this name already exists in the organization.',
  oidc_replay_pk: 'This CI token was already exchanged.',
};

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** The unique constraint a driver error violated, as named in the migrations, or null. */
export function violatedConstraint(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as DriverError;
  // PostgreSQL: SQLSTATE 23505 carries the constraint's name.
  if (e.code === '23505' && typeof e.constraint === 'string') return e.constraint;
  // SQLite names the columns instead: "UNIQUE constraint failed: projects.org_id, projects.key".
  if (
    (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') &&
    typeof e.message === 'string'
  ) {
    const columns = e.message.split(': ')[1]?.split(', ') ?? [];
    const table = columns[0]?.split('.')[0];
    if (!table) return null;
    const names = columns.map((c) => c.split('.')[1]).join('_');
    if (`uq_${table}_${names}` in conflictMessages) return `uq_${table}_${names}`;
    if (`pk_${table}` in conflictMessages) return `pk_${table}`;
    return `uq_${table}_${names}`;
  }
  return null;
}

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown,
// terminated backends), plus the errors the pg driver and Node raise when a socket fails.
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // Refused at connection time: the database is gone, closed to connections, or the
  // credentials no longer work.
  '3D000',
  '28000',
  '28P01',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
]);
const unavailableMessages = [
  'is not currently accepting connections',
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'driver has already been destroyed',
];

function isUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as DriverError;
  if (typeof e.code === 'string') {
    // better-sqlite3 reports extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT, ...).
    const base = e.code.startsWith('SQLITE_') ? e.code.split('_').slice(0, 2).join('_') : e.code;
    if (unavailableCodes.has(base) || e.code.startsWith('08')) return true;
  }
  const message = typeof e.message === 'string' ? e.message : '';
  return unavailableMessages.some((m) => message.includes(m));
}

function isUntextable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as DriverError).code;
  return code === '22021' || code === '22P05';
}

function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as DriverError).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * Whether a failed write failed because of the values of its rows (a reference to something
 * deleted meanwhile, a value taken already, text that cannot be stored) rather than because
 * of the database (gone, busy, or an outcome that cannot be known): a write of several
 * uploads that fails so is worth trying upload by upload, to find the one at fault.
 */
export function isRowFault(error: unknown): boolean {
  return isUntextable(error) || isForeignKeyViolation(error) || violatedConstraint(error) !== null;
}

/**
 * Maps a store failure to the API error it means: a known unique violation to CONFLICT, a
 * lost or refused connection to STORE_UNAVAILABLE. Anything else stays unknown (null).
 */
export function translateStoreError(error: unknown): AppError | null {
  if (isUntextable(error)) {
    // PostgreSQL refuses a NUL byte (or text invalid in its encoding) in any text value.
    return new AppError(
      'VALIDATION_FAILED',
      'The request contains characters that cannot be stored.',
    );
  }
  if (isForeignKeyViolation(error)) {
    // What the change refers to was deleted meanwhile by a concurrent request.
    return new AppError('CONFLICT', 'Something this refers to changed meanwhile; try again.');
  }
  const constraint = violatedConstraint(error);
  if (constraint) {
    return new AppError('CONFLICT', conflictMessages[constraint] ?? 'This already exists.');
  }
  if (isUnavailable(error)) return new AppError('STORE_UNAVAILABLE');
  return null;
}
