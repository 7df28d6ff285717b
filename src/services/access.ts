import type { Actor, OrgTokenActor, UserActor } from '../domain/actors.js';
import { AppError } from '../domain/errors.js';
import type { Plan, Role } from '../domain/organizations.js';
import type { Permission } from '../domain/permissions.js';
import { type PlanFeature, planHasFeature, planRequiredMessage } from '../domain/plan-features.js';
import { type ProjectScope, scopeIncludes } from '../domain/project-scope.js';
import { findOrgByKey, findOrgWithRole, type OrgRow } from '../store/orgs.js';
import type { ServiceDeps } from './context.js';

/** What an actor may do in one organization. */
export interface OrgAccess {
  org: OrgRow;
  /** The user's membership role; null for an instance admin who is not a member, or a token. */
  role: Role | null;
  isAdmin: boolean;
  /** Set when an organization token is acting. */
  token: OrgTokenActor | null;
  /**
   * What the credential limits the request to, beyond the caller's role: an organization
   * token's permissions and project scope, or a narrowed personal access token's. Null for
   * a person with all of their rights.
   */
  limits: CredentialLimits | null;
}

/** The permissions (null: every one the role allows) and projects a credential may use. */
export interface CredentialLimits {
  permissions: Permission[] | null;
  projects: ProjectScope;
  /** A narrowed personal access token: its user, but never administering anything. */
  narrowedPerson: boolean;
}

const allProjects: ProjectScope = { mode: 'all' };

const notFound = () => new AppError('NOT_FOUND', 'Organization not found.');

/** What permission and project-scope checks read of an access. */
export type Limited = Pick<OrgAccess, 'limits'>;

/**
 * An organization token's access to the organization `orgKey`, from its verification alone:
 * its own organization, or NOT_FOUND. No store read: the verification (cached, evicted by
 * every plan change, docs/security.md) holds the organization's id and key, keys never
 * change and organizations are never deleted, and what the caller then reads is filtered by
 * that id.
 */
export function tokenAccess(
  actor: OrgTokenActor,
  orgKey: string,
): { orgId: string; limits: CredentialLimits } {
  if (orgKey !== actor.orgKey) throw notFound();
  return {
    orgId: actor.orgId,
    limits: { permissions: actor.permissions, projects: actor.projects, narrowedPerson: false },
  };
}

/**
 * A person's access to `found`, the organization looked up by key with the role the person
 * holds in it; NOT_FOUND when there is none, when the person is neither a member nor an
 * instance admin, or when a narrowed personal access token names another organization.
 */
export function personAccess(
  actor: UserActor,
  found: { org: OrgRow; role: string | null } | undefined,
): OrgAccess {
  const role = (found?.role ?? null) as Role | null;
  if (!found || (role === null && !actor.instanceAdmin)) throw notFound();
  // A personal access token narrowed to another organization does not see this one at all.
  const narrowed = actor.narrowed;
  if (narrowed?.org && narrowed.org.id !== found.org.id) throw notFound();
  return {
    org: found.org,
    role,
    isAdmin: role === 'admin' || actor.instanceAdmin,
    token: null,
    limits: narrowed
      ? {
          permissions: narrowed.permissions,
          projects: narrowed.org?.projects ?? allProjects,
          narrowedPerson: true,
        }
      : null,
  };
}

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
    const { orgId, limits } = tokenAccess(actor, orgKey);
    // The whole row, fresh: callers decide by its plan and show its name.
    const org = await findOrgByKey(deps.store.db, orgKey);
    if (!org || org.id !== orgId) throw notFound();
    return { org, role: null, isAdmin: false, token: actor, limits };
  }
  return personAccess(actor, await findOrgWithRole(deps.store.db, orgKey, actor.id));
}

const narrowedRefusal = () =>
  new AppError(
    'FORBIDDEN',
    'This personal access token is narrowed to analyses and projects; sign in or use an unrestricted token.',
  );

/** Throws unless the access is an organization admin's (a person's, never a token's). */
export function requireOrgAdmin(access: OrgAccess): void {
  if (access.token) {
    throw new AppError('FORBIDDEN', 'Organization tokens cannot administer the organization.');
  }
  if (access.limits?.narrowedPerson) throw narrowedRefusal();
  if (!access.isAdmin) throw new AppError('FORBIDDEN', 'Only organization admins can do this.');
}

/** Throws unless the access is a person's: organization tokens cannot do this at all. */
export function requirePerson(access: OrgAccess): void {
  if (access.token) throw new AppError('FORBIDDEN', 'Organization tokens cannot do this.');
  if (access.limits?.narrowedPerson) throw narrowedRefusal();
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
  if (actor.narrowed) throw narrowedRefusal();
}

/**
 * Token management needs a person who proved a password (a session, or a password sent with
 * the request): a personal access token acts as its user everywhere else, but never manages
 * tokens (docs/security.md).
 */
export function requireSessionUser(actor: Actor): UserActor {
  const person = personOf(actor);
  if (person.via === 'personal_access_token') {
    throw new AppError('FORBIDDEN', 'Tokens cannot manage tokens; sign in to do this.');
  }
  return person;
}

/**
 * Privilege-granting actions (creating users, instance admin and org admin roles, plans,
 * organizations) need a person who proved a password: a session, or a password sent with the
 * request. A token, even an instance admin's personal access token, never grants a privilege,
 * so a leaked token cannot mint a lasting backdoor (docs/security.md). `what` names the action
 * in the message, e.g. "Granting the admin role".
 */
export function requireSignedInPerson(actor: Actor, what: string): UserActor {
  if (actor.type !== 'user' || actor.via === 'personal_access_token') {
    throw new AppError('FORBIDDEN', `${what} needs a signed-in person, not a token.`);
  }
  return actor;
}

/**
 * A credential with limits (an organization token, a narrowed personal access token) must
 * hold the permission; people with all their rights pass on membership alone.
 */
export function requirePermission(access: Limited, permission: Permission): void {
  const granted = access.limits?.permissions;
  if (granted && !granted.includes(permission)) {
    throw new AppError('PERMISSION_DENIED', `This token lacks the ${permission} permission.`);
  }
}

/** Permission first, then project scope (docs/security.md). */
export function requireProjectAccess(
  access: Limited,
  permission: Permission,
  projectKey: string,
): void {
  requirePermission(access, permission);
  if (access.limits && !scopeIncludes(access.limits.projects, projectKey)) {
    throw new AppError(
      'PROJECT_OUT_OF_SCOPE',
      "This project is outside the token's project scope.",
    );
  }
}

/** Throws PLAN_REQUIRED, naming the plan, unless the organization's plan includes `feature`. */
export function requirePlan(org: OrgRow, feature: PlanFeature): void {
  if (!planHasFeature(org.plan as Plan, feature)) {
    throw new AppError('PLAN_REQUIRED', planRequiredMessage(feature));
  }
}

/**
 * Management of what holds secrets (tokens, webhooks, notifications): a person signed in
 * with a session, admin of the organization.
 */
export async function adminAccess(
  deps: ServiceDeps,
  actor: Actor,
  ref: { org: string },
): Promise<OrgAccess> {
  requireSessionUser(actor);
  const access = await orgAccess(deps, actor, ref.org);
  requireOrgAdmin(access);
  return access;
}
