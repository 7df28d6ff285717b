import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import { deleteSessionsOfUser } from '../store/sessions.js';
import {
  countActiveInstanceAdmins,
  findUserById,
  insertUser,
  listUsers,
  type UserRow,
  updateUser,
} from '../store/users.js';
import { requireInstanceAdmin } from './access.js';
import { type Actor, isoNow, type ServiceDeps } from './context.js';

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

/** Inserts a user with a fresh password hash; a taken email is a CONFLICT from the store. */
export async function insertNewUser(
  deps: Pick<ServiceDeps, 'store' | 'clock' | 'passwords'>,
  input: NewUser,
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
  await insertUser(deps.store.db, row);
  return presentUser(row);
}

/** Creates a user (instance admins only). */
export async function createUser(deps: ServiceDeps, actor: Actor, input: NewUser): Promise<User> {
  requireInstanceAdmin(actor);
  return insertNewUser(deps, input);
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

/**
 * Activates or deactivates a user (instance admins only). Deactivation ends every session
 * of the user in the same transaction; the last active instance admin cannot be deactivated.
 */
export async function setUserActive(
  deps: ServiceDeps,
  actor: Actor,
  userId: string,
  active: boolean,
): Promise<User> {
  requireInstanceAdmin(actor);
  const user = await deps.store.db.transaction().execute(async (trx) => {
    const user = await findUserById(trx, userId);
    if (!user) throw new AppError('NOT_FOUND', 'User not found.');
    if (!active && user.instance_admin === 1 && user.active === 1) {
      if ((await countActiveInstanceAdmins(trx)) <= 1) {
        throw new AppError('CONFLICT', 'The last active instance admin cannot be deactivated.');
      }
    }
    const changed: UserRow = { ...user, active: active ? 1 : 0, updated_at: isoNow(deps) };
    await updateUser(trx, userId, { active: changed.active, updated_at: changed.updated_at });
    if (!active) await deleteSessionsOfUser(trx, userId);
    return presentUser(changed);
  });
  // The user's personal access tokens follow the change with the next request, both ways.
  deps.invalidate.user(userId);
  return user;
}
