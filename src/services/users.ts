import type { NewUser, User, UserChange } from '../contract/users.js';
import type { Caller } from '../domain/actors.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
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
import { type AuditedBy, audited, targetOf } from './audited.js';
import { isoNow, type ServiceDeps } from './context.js';
import type { PageRequest } from './refs.js';

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

/**
 * Inserts a user with a fresh password hash; a taken email is a CONFLICT from the store. With
 * `by`, user.created (and user.instance_admin_granted for an admin) lands in the instance's
 * audit log in the same transaction.
 */
export async function insertNewUser(
  deps: Pick<ServiceDeps, 'store' | 'clock' | 'passwords'>,
  input: NewUser,
  by?: AuditedBy,
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
  if (!by) {
    await insertUser(deps.store.db, row);
    return presentUser(row);
  }
  await audited(deps, { ...by, at: now }, async (tx) => {
    await insertUser(tx.db, row);
    const instanceAdmin = row.instance_admin === 1;
    const target = targetOf.user(row);
    await tx.record({ orgId: null, action: 'user.created', target, details: { instanceAdmin } });
    // Every way of becoming an instance admin leaves the same event to search for.
    if (instanceAdmin) {
      await tx.record({ orgId: null, action: 'user.instance_admin_granted', target });
    }
  });
  return presentUser(row);
}

/**
 * Creates a user (instance admins, signed in): a token never creates an account, so a leaked
 * token cannot leave a backdoor behind (docs/security.md).
 */
export async function createUser(deps: ServiceDeps, caller: Caller, input: NewUser): Promise<User> {
  requireSignedInPerson(caller.actor, 'Creating users');
  requireInstanceAdmin(caller.actor);
  return insertNewUser(deps, input, caller);
}

/** Lists every user by email (instance admins only). */
export async function pageUsers(
  deps: ServiceDeps,
  caller: Caller,
  page: PageRequest,
): Promise<Page<User>> {
  requireInstanceAdmin(caller.actor);
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const rows = await listUsers(deps.store.db, { limit: page.limit, after });
  return toPage(rows, page.limit, (row) => [row.email], presentUser);
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
  caller: Caller,
  { userId }: { userId: string },
  change: UserChange,
): Promise<User> {
  requireSignedInPerson(caller.actor, 'Administering users');
  requireInstanceAdmin(caller.actor);
  const user = await audited(deps, caller, async (tx) => {
    const trx = tx.db;
    const now = tx.at;
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
    const target = targetOf.user(user);
    if (active !== user.active) {
      await tx.record({
        orgId: null,
        action: active ? 'user.activated' : 'user.deactivated',
        target,
      });
    }
    if (admin !== user.instance_admin) {
      const action = admin ? 'user.instance_admin_granted' : 'user.instance_admin_revoked';
      await tx.record({ orgId: null, action, target });
    }
    return presentUser(changed);
  });
  // The user's personal access tokens follow the change with the next request, both ways.
  deps.invalidate.user(userId);
  return user;
}
