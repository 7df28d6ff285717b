import { AppError } from '../domain/errors.js';
import { type Plan, planIncludes, type Role } from '../domain/organizations.js';
import type { Permission } from '../domain/permissions.js';
import { scopeIncludes } from '../domain/project-scope.js';
import { findOrgByKey, findOrgWithRole, type OrgRow } from '../store/orgs.js';
import type { Actor, OrgTokenActor, ServiceDeps, UserActor } from './context.js';

/** What an actor may do in one organization. */
export interface OrgAccess {
  org: OrgRow;
  /** The user's membership role; null for an instance admin who is not a member, or a token. */
  role: Role | null;
  isAdmin: boolean;
  /** Set when an organization token is acting. */
  token: OrgTokenActor | null;
}

const notFound = () => new AppError('NOT_FOUND', 'Organization not found.');

/**
 * Resolves an organization for an actor. An organization the actor cannot see answers
 * NOT_FOUND exactly like one that does not exist, so its existence is never revealed.
 * Instance admins see and administer every organization; an organization token sees only
 * its own (docs/security.md).
 */
export async function orgAccess(
  deps: ServiceDeps,
  actor: Actor,
  orgKey: string,
): Promise<OrgAccess> {
  if (actor.type === 'organization_token') {
    if (orgKey !== actor.orgKey) throw notFound();
    const org = await findOrgByKey(deps.store.db, orgKey);
    if (!org || org.id !== actor.orgId) throw notFound();
    return { org, role: null, isAdmin: false, token: actor };
  }
  const found = await findOrgWithRole(deps.store.db, orgKey, actor.id);
  const role = (found?.role ?? null) as Role | null;
  if (!found || (role === null && !actor.instanceAdmin)) throw notFound();
  return { org: found.org, role, isAdmin: role === 'admin' || actor.instanceAdmin, token: null };
}

/** Throws unless the access is an organization admin's (a person's, never a token's). */
export function requireOrgAdmin(access: OrgAccess): void {
  if (access.token) {
    throw new AppError('FORBIDDEN', 'Organization tokens cannot administer the organization.');
  }
  if (!access.isAdmin) throw new AppError('FORBIDDEN', 'Only organization admins can do this.');
}

/** Throws unless the access is a person's: organization tokens cannot do this at all. */
export function requirePerson(access: OrgAccess): void {
  if (access.token) throw new AppError('FORBIDDEN', 'Organization tokens cannot do this.');
}

/** Narrows to a person; organization tokens get FORBIDDEN. */
export function personOf(actor: Actor): UserActor {
  if (actor.type !== 'user') throw new AppError('FORBIDDEN', 'Organization tokens cannot do this.');
  return actor;
}

/** Throws FORBIDDEN unless the actor is an instance admin. */
export function requireInstanceAdmin(actor: Actor): void {
  if (actor.type !== 'user' || !actor.instanceAdmin) {
    throw new AppError('FORBIDDEN', 'Only instance admins can do this.');
  }
}

/**
 * Token management needs a person who proved a password (a session, or a password sent with
 * the request): a personal access token acts as its user everywhere else, but never manages
 * tokens (SPEC.md §3).
 */
export function requireSessionUser(actor: Actor): UserActor {
  const person = personOf(actor);
  if (person.via === 'personal_access_token') {
    throw new AppError('FORBIDDEN', 'Tokens cannot manage tokens; sign in to do this.');
  }
  return person;
}

/** An organization token must hold the permission; people pass on membership alone. */
export function requirePermission(access: OrgAccess, permission: Permission): void {
  if (access.token && !access.token.permissions.includes(permission)) {
    throw new AppError('PERMISSION_DENIED', `This token lacks the ${permission} permission.`);
  }
}

/** SPEC.md §2 order: permission first, then project scope. */
export function requireProjectAccess(
  access: OrgAccess,
  permission: Permission,
  projectKey: string,
): void {
  requirePermission(access, permission);
  if (access.token && !scopeIncludes(access.token.projects, projectKey)) {
    throw new AppError(
      'PROJECT_OUT_OF_SCOPE',
      "This project is outside the token's project scope.",
    );
  }
}

/** Throws PLAN_REQUIRED, naming the plan, unless the organization's plan includes `plan`. */
export function requirePlan(org: OrgRow, plan: Plan, what: string): void {
  if (!planIncludes(org.plan as Plan, plan)) {
    throw new AppError('PLAN_REQUIRED', `${what} needs the ${plan} plan.`);
  }
}
