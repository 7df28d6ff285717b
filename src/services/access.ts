import { AppError } from '../domain/errors.js';
import type { Role } from '../domain/organizations.js';
import { findOrgWithRole, type OrgRow } from '../store/orgs.js';
import type { Actor, ServiceDeps } from './context.js';

/** What an actor may do in one organization. */
export interface OrgAccess {
  org: OrgRow;
  /** The actor's membership role; null for an instance admin who is not a member. */
  role: Role | null;
  isAdmin: boolean;
}

/**
 * Resolves an organization for an actor. An organization the actor cannot see answers
 * NOT_FOUND exactly like one that does not exist, so its existence is never revealed.
 * Instance admins see and administer every organization (docs/security.md).
 */
export async function orgAccess(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
): Promise<OrgAccess> {
  const found = await findOrgWithRole(deps.store.db, orgKey, actor.id);
  const role = (found?.role ?? null) as Role | null;
  if (!found || (role === null && !actor.instanceAdmin)) {
    throw new AppError('NOT_FOUND', 'Organization not found.');
  }
  return { org: found.org, role, isAdmin: role === 'admin' || actor.instanceAdmin };
}

/** Throws FORBIDDEN unless the access is an organization admin's. */
export function requireOrgAdmin(access: OrgAccess): void {
  if (!access.isAdmin) {
    throw new AppError('FORBIDDEN', 'Only organization admins can do this.');
  }
}

/** Throws FORBIDDEN unless the actor is an instance admin. */
export function requireInstanceAdmin(actor: Actor): void {
  if (!actor.instanceAdmin) throw new AppError('FORBIDDEN', 'Only instance admins can do this.');
}
