import type { Member, NewMember, Organization } from '../contract/orgs.js';
import type { Actor, Caller } from '../domain/actors.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Plan, Role } from '../domain/organizations.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import { planFeatureStates } from '../domain/plan-features.js';
import {
  countAdmins,
  deleteMembership,
  findMembership,
  findOrgByKey,
  findOrgKeys,
  insertOrg,
  listMembers,
  listOrgs,
  lockOrg,
  type MemberRow,
  type OrgRow,
  updateOrg as updateOrgRow,
  upsertMembership,
} from '../store/orgs.js';
import { findUserByEmail, findUserById, type UserRow } from '../store/users.js';
import {
  orgAccess,
  requireInstanceAdmin,
  requireOrgAdmin,
  requirePerson,
  requireSignedInPerson,
} from './access.js';
import { type AuditedEvent, type AuditedWrite, audited, targetOf } from './audited.js';
import type { ServiceDeps } from './context.js';
import type { MemberRef, OrgRef, PageRequest } from './refs.js';
import { normalizeEmail } from './users.js';

export function presentOrg(row: OrgRow, role: Role | null): Organization {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    plan: row.plan as Plan,
    features: planFeatureStates(row.plan as Plan),
    createdAt: row.created_at,
    role,
  };
}

function presentMember(row: MemberRow): Member {
  return {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    active: row.active === 1,
    role: row.role as Role,
    addedAt: row.created_at,
  };
}

function pickUser(user: UserRow): Pick<MemberRow, 'email' | 'name' | 'active'> {
  return { email: user.email, name: user.name, active: user.active };
}

/**
 * org.created and plan.changed belong to both logs: the organization's admins read their
 * history, the instance's admins read every plan. Each log stays one index range (org_id, at)
 * when the event is written twice, once per log, in the same transaction; reading the instance
 * log as "org_id is null, or one of these actions" would scan every organization's events.
 */
async function recordInBothLogs(
  tx: AuditedWrite,
  orgId: string,
  event: Omit<AuditedEvent, 'orgId'>,
): Promise<void> {
  for (const log of [orgId, null]) await tx.record({ ...event, orgId: log });
}

/** Creates an organization (instance admins, signed in: never a token). */
export async function createOrg(
  deps: ServiceDeps,
  caller: Caller,
  input: { key: string; name: string; plan: Plan },
): Promise<Organization> {
  requireSignedInPerson(caller.actor, 'Creating an organization');
  requireInstanceAdmin(caller.actor);
  const row = await audited(deps, caller, async (tx) => {
    const row: OrgRow = {
      id: newId(),
      key: input.key,
      name: input.name.trim(),
      plan: input.plan,
      created_at: tx.at,
      updated_at: tx.at,
      leak_response: 'revoke',
    };
    await insertOrg(tx.db, row);
    await recordInBothLogs(tx, row.id, {
      action: 'org.created',
      target: targetOf.org(row),
      details: { plan: row.plan },
    });
    return row;
  });
  return presentOrg(row, null);
}

/** The caller's organizations by key; an instance admin sees them all. */
export async function pageOrgs(
  deps: ServiceDeps,
  caller: Caller,
  page: PageRequest,
): Promise<Page<Organization>> {
  const { actor } = caller;
  if (actor.type === 'organization_token') {
    // A token sees its own organization only.
    const access = await orgAccess(deps, actor, actor.orgKey);
    return { items: page.cursor ? [] : [presentOrg(access.org, null)], nextCursor: null };
  }
  const narrowedTo = actor.narrowed?.org;
  if (narrowedTo) {
    // A personal access token narrowed to one organization sees that one only, and only
    // while its user may (orgAccess checks the membership).
    const key = (await findOrgKeys(deps.store.db, [narrowedTo.id])).get(narrowedTo.id);
    if (!key || page.cursor) return { items: [], nextCursor: null };
    const access = await orgAccess(deps, actor, key);
    return { items: [presentOrg(access.org, access.role)], nextCursor: null };
  }
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const rows = await listOrgs(deps.store.db, {
    userId: actor.id,
    // A narrowed token of an instance admin lists its user's memberships, not the instance.
    all: actor.instanceAdmin && !actor.narrowed,
    limit: page.limit,
    after,
  });
  return toPage(
    rows,
    page.limit,
    (row) => [row.key],
    ({ role, ...org }) => presentOrg(org, role as Role | null),
  );
}

/** One organization the caller can see. */
export async function getOrg(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
): Promise<Organization> {
  const access = await orgAccess(deps, caller.actor, ref.org);
  return presentOrg(access.org, access.role);
}

/**
 * Renames an organization (org admins, a token too) or changes its plan (instance admins,
 * signed in: a plan grants features, so a token never changes it). Both changes are audited
 * in the transaction that makes them.
 */
export async function updateOrg(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: { name?: string | undefined; plan?: Plan | undefined },
): Promise<Organization> {
  const { actor } = caller;
  const access = await orgAccess(deps, actor, ref.org);
  requireOrgAdmin(access);
  if (input.plan !== undefined) {
    requireInstanceAdmin(actor);
    requireSignedInPerson(actor, 'Changing a plan');
  }
  const { org, changed } = await audited(deps, caller, async (tx) => {
    // Locked and read again inside the write: a rename that read the organization before a
    // concurrent plan change must not write the old plan back (it would undo a downgrade
    // that evicted its tokens). Only the columns asked for are written.
    await lockOrg(tx.db, access.org.id);
    const org = (await findOrgByKey(tx.db, access.org.key)) ?? access.org;
    const changed: OrgRow = {
      ...org,
      name: input.name?.trim() ?? org.name,
      plan: input.plan ?? org.plan,
      updated_at: tx.at,
    };
    await updateOrgRow(tx.db, org.id, {
      ...(input.name === undefined ? {} : { name: changed.name }),
      ...(input.plan === undefined ? {} : { plan: changed.plan }),
      updated_at: tx.at,
    });
    const target = targetOf.org(org);
    if (changed.name !== org.name) {
      await tx.record({
        orgId: org.id,
        action: 'org.updated',
        target,
        details: { name: { from: org.name, to: changed.name } },
      });
    }
    if (changed.plan !== org.plan) {
      await recordInBothLogs(tx, org.id, {
        action: 'plan.changed',
        target,
        details: { from: org.plan, to: changed.plan },
      });
    }
    return { org, changed };
  });
  // The plan decides whether organization tokens authenticate at all.
  if (changed.plan !== org.plan) deps.invalidate.org(org.id);
  return presentOrg(changed, access.role);
}

/** Members of an organization by email; any member may list them. */
export async function pageMembers(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  page: PageRequest,
): Promise<Page<Member>> {
  const access = await orgAccess(deps, caller.actor, ref.org);
  requirePerson(access);
  const after = page.cursor ? decodeCursor(page.cursor, 1)[0] : undefined;
  const rows = await listMembers(deps.store.db, access.org.id, { limit: page.limit, after });
  return toPage(rows, page.limit, (row) => [row.email], presentMember);
}

/** Raises CONFLICT when the change would leave the organization without an admin. */
async function keepOneAdmin(
  trx: ServiceDeps['store']['db'],
  orgId: string,
  current: Role | undefined,
): Promise<void> {
  if (current === 'admin' && (await countAdmins(trx, orgId)) <= 1) {
    throw new AppError('CONFLICT', 'An organization needs at least one admin.');
  }
}

/**
 * Granting or removing the admin role needs a signed-in person; adding, keeping or removing a
 * plain member grants no privilege, so an org admin's personal access token may (scripts
 * onboarding a team).
 */
function requireSignedInForAdminRole(actor: Actor, granting: boolean): void {
  requireSignedInPerson(actor, granting ? 'Granting the admin role' : 'Removing the admin role');
}

/** Adds a user to an organization or changes its role (org admins). */
export async function putMember(
  deps: ServiceDeps,
  caller: Caller,
  ref: MemberRef,
  { role }: { role: Role },
): Promise<Member> {
  return writeMembership(deps, caller, ref, role, {
    user: async (trx) => {
      const user = await findUserById(trx, ref.userId);
      if (!user) throw new AppError('NOT_FOUND', 'User not found.');
      return user;
    },
    existing: 'change',
  });
}

/**
 * Adds an existing, active user, found by email (compared case-insensitively), as a member
 * (org admins). Accounts are an instance admin's to create; someone already a member is a
 * CONFLICT rather than a role change, so that adding a person twice never demotes them.
 */
export async function addMember(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: NewMember,
): Promise<Member> {
  const email = normalizeEmail(input.email);
  return writeMembership(deps, caller, ref, input.role, {
    user: async (trx) => {
      const user = await findUserByEmail(trx, email);
      // Unknown and deactivated accounts answer alike: both are an instance admin's to fix.
      if (user?.active !== 1) {
        throw new AppError(
          'NOT_FOUND',
          'No active user has this email address. An instance admin creates accounts (and reactivates them); add the person once they have one.',
        );
      }
      return user;
    },
    existing: 'refuse',
  });
}

/**
 * The one write of a membership, for both ways of naming the user: the org admin check,
 * the admin-role rule (granting or taking away admin needs a signed-in person), the last-admin
 * rule under the organization's lock, and the audit event (member.added or
 * member.role_changed) in the same transaction. `existing: 'refuse'` answers CONFLICT for
 * someone who is a member already.
 */
async function writeMembership(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  role: Role,
  how: {
    user: (trx: ServiceDeps['store']['db']) => Promise<UserRow>;
    existing: 'change' | 'refuse';
  },
): Promise<Member> {
  const { actor } = caller;
  const access = await orgAccess(deps, actor, ref.org);
  requireOrgAdmin(access);
  if (role === 'admin') requireSignedInForAdminRole(actor, true);
  const org = access.org;
  return audited(deps, caller, async (tx) => {
    const trx = tx.db;
    const now = tx.at;
    await lockOrg(trx, org.id);
    const user = await how.user(trx);
    const existing = await findMembership(trx, org.id, user.id);
    if (existing && how.existing === 'refuse') {
      throw new AppError(
        'CONFLICT',
        `${user.email} is already a member (${existing.role}); change the role in the member list instead.`,
      );
    }
    if (existing?.role === 'admin' && role !== 'admin') requireSignedInForAdminRole(actor, false);
    const member = (created_at: string): Member =>
      presentMember({ org_id: org.id, user_id: user.id, role, created_at, ...pickUser(user) });
    if (existing?.role === role) return member(existing.created_at);
    if (role !== 'admin') await keepOneAdmin(trx, org.id, existing?.role as Role | undefined);
    await upsertMembership(trx, { org_id: org.id, user_id: user.id, role, created_at: now });
    await tx.record({
      orgId: org.id,
      action: existing ? 'member.role_changed' : 'member.added',
      target: targetOf.user(user),
      details: existing ? { from: existing.role, to: role } : { role },
    });
    return member(existing?.created_at ?? now);
  });
}

/** Removes a member (org admins); its access ends with the next request. */
export async function removeMember(
  deps: ServiceDeps,
  caller: Caller,
  ref: MemberRef,
): Promise<void> {
  const { actor } = caller;
  const { userId } = ref;
  const access = await orgAccess(deps, actor, ref.org);
  requireOrgAdmin(access);
  const org = access.org;
  await audited(deps, caller, async (tx) => {
    const trx = tx.db;
    await lockOrg(trx, org.id);
    const existing = await findMembership(trx, org.id, userId);
    if (!existing) throw new AppError('NOT_FOUND', 'This user is not a member.');
    if (existing.role === 'admin') requireSignedInForAdminRole(actor, false);
    await keepOneAdmin(trx, org.id, existing.role as Role);
    const user = await findUserById(trx, userId);
    await deleteMembership(trx, org.id, userId);
    await tx.record({
      orgId: org.id,
      action: 'member.removed',
      target: targetOf.user({ id: userId, email: user?.email ?? userId }),
      details: { role: existing.role },
    });
  });
  deps.invalidate.user(userId);
}
