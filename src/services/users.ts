import type { Kysely } from 'kysely';
import type { Actor, RequestMeta } from '../domain/actors.js';
import type { AuditAction } from '../domain/audit-actions.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import { type AuditParty, recordAudit } from '../store/audit.js';
import type { Database } from '../store/schema.js';
import { deleteSessionsOfUser } from '../store/sessions.js';
import {
  countActiveInstanceAdmins,
  findUserById,
  insertUser,
  listUsers,
  lockActiveInstanceAdmins,
  type UserRow,
  updateUser,
} from '../store/users.js';
import { requireInstanceAdmin, requireSignedInPerson } from './access.js';
import { isoNow, type ServiceDeps } from './context.js';

/** A user as the API shows it; never the password hash. */
export interface User {
  id: string;
  email: string;
  name: string;
  instanceAdmin: boolean;
  active: boolean;
  createdAt: string;
}

export function presentUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    instanceAdmin: row.instance_admin === 1,
    active: row.active === 1,
    createdAt: row.created_at,
  };
}

/** Emails compare case-insensitively: they are stored trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  instanceAdmin?: boolean | undefined;
}

/** Who created a user, for the instance's audit log. */
export interface UserAudit {
  actor: AuditParty;
  meta: RequestMeta;
}

function userTarget(user: Pick<UserRow, 'id' | 'email'>) {
  return { type: 'user' as const, id: user.id, name: user.email };
}

/** Appends one event to the instance's audit log about `user`. */
function recordUserEvent(
  trx: Kysely<Database>,
  action: AuditAction,
  user: Pick<UserRow, 'id' | 'email'>,
  audit: UserAudit & { at: string },
  details?: Record<string, unknown>,
): Promise<unknown> {
  return recordAudit(trx, {
    orgId: null,
    at: audit.at,
    action,
    actor: audit.actor,
    target: userTarget(user),
    meta: audit.meta,
    ...(details ? { details } : {}),
  });
}

/**
 * Inserts a user with a fresh password hash; a taken email is a CONFLICT from the store. With
 * `audit`, user.created (and user.instance_admin_granted for an admin) lands in the instance's
 * audit log in the same transaction.
 */
export async function insertNewUser(
  deps: Pick<ServiceDeps, 'store' | 'clock' | 'passwords'>,
  input: NewUser,
  audit?: UserAudit,
): Promise<User> {
  const now = isoNow(deps);
  const row: UserRow = {
    id: newId(),
    email: normalizeEmail(input.email),
    name: input.name.trim(),
    password_hash: await deps.passwords.hash(input.password),
    instance_admin: input.instanceAdmin ? 1 : 0,
    active: 1,
    created_at: now,
    updated_at: now,
  };
  await deps.store.db.transaction().execute(async (trx) => {
    await insertUser(trx, row);
    if (!audit) return;
    const at = { ...audit, at: now };
    const instanceAdmin = row.instance_admin === 1;
    await recordUserEvent(trx, 'user.created', row, at, { instanceAdmin });
    // Every way of becoming an instance admin leaves the same event to search for.
    if (instanceAdmin) await recordUserEvent(trx, 'user.instance_admin_granted', row, at);
  });
  return presentUser(row);
}

/**
 * Creates a user (instance admins, signed in): a token never creates an account, so a leaked
 * token cannot leave a backdoor behind (docs/security.md).
 */
export async function createUser(
  deps: ServiceDeps,
  actor: Actor,
  input: NewUser,
  meta: RequestMeta,
): Promise<User> {
  requireSignedInPerson(actor, 'Creating users');
  requireInstanceAdmin(actor);
  return insertNewUser(deps, input, { actor, meta });
}

/** Lists every user by email (instance admins only). */
export async function pageUsers(
  deps: ServiceDeps,
  actor: Actor,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<User>> {
  requireInstanceAdmin(actor);
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const rows = await listUsers(deps.store.db, { limit: page.limit, after });
  return toPage(rows, page.limit, (row) => [row.email], presentUser);
}

/** What an instance admin may change about a user; at least one is given. */
export interface UserChange {
  active?: boolean | undefined;
  instanceAdmin?: boolean | undefined;
}

/**
 * Activates or deactivates a user, or makes or removes an instance admin (instance admins,
 * signed in: all of it is user administration, and reactivating an account or keeping one
 * from its owner are levers as strong as creating one). Deactivation ends every session of the
 * user in the same transaction; the last active instance admin can be neither deactivated nor
 * demoted. Each change is audited in the instance's log in its transaction.
 */
export async function changeUser(
  deps: ServiceDeps,
  actor: Actor,
  userId: string,
  change: UserChange,
  meta: RequestMeta,
): Promise<User> {
  requireSignedInPerson(actor, 'Administering users');
  requireInstanceAdmin(actor);
  const now = isoNow(deps);
  const user = await deps.store.db.transaction().execute(async (trx) => {
    await lockActiveInstanceAdmins(trx);
    const user = await findUserById(trx, userId);
    if (!user) throw new AppError('NOT_FOUND', 'User not found.');
    const active = change.active === undefined ? user.active : change.active ? 1 : 0;
    const admin =
      change.instanceAdmin === undefined ? user.instance_admin : change.instanceAdmin ? 1 : 0;
    if (user.instance_admin === 1 && user.active === 1 && (active === 0 || admin === 0)) {
      if ((await countActiveInstanceAdmins(trx)) <= 1) {
        throw new AppError(
          'CONFLICT',
          active === 0
            ? 'The last active instance admin cannot be deactivated.'
            : 'The last active instance admin cannot lose the instance admin role.',
        );
      }
    }
    const changed: UserRow = { ...user, active, instance_admin: admin, updated_at: now };
    if (active === user.active && admin === user.instance_admin) return presentUser(user);
    await updateUser(trx, userId, { active, instance_admin: admin, updated_at: now });
    if (active === 0 && user.active === 1) await deleteSessionsOfUser(trx, userId);
    const audit = { actor, meta, at: now };
    if (active !== user.active) {
      await recordUserEvent(trx, active ? 'user.activated' : 'user.deactivated', user, audit);
    }
    if (admin !== user.instance_admin) {
      const action = admin ? 'user.instance_admin_granted' : 'user.instance_admin_revoked';
      await recordUserEvent(trx, action, user, audit);
    }
    return presentUser(changed);
  });
  // The user's personal access tokens follow the change with the next request, both ways.
  deps.invalidate.user(userId);
  return user;
}
