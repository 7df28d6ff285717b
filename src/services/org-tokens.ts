import type { NewOrgToken, OrgToken, OrgTokenChange } from '../contract/tokens.js';
import type { Caller } from '../domain/actors.js';
import { parseCidrs } from '../domain/cidr.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { staleCutoff } from '../domain/notifications.js';
import type { Plan } from '../domain/organizations.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import type { Permission } from '../domain/permissions.js';
import { planHasFeature } from '../domain/plan-features.js';
import type { ProjectScope } from '../domain/project-scope.js';
import { generateToken, tokenDigest, tokenHint } from '../domain/token-format.js';
import {
  checkExpiry,
  defaultTokenPolicy,
  previousSecretEnd,
  type TokenPolicy,
} from '../domain/token-policy.js';
import { expiringWindowMs, type TokenStatus, tokenStatus } from '../domain/token-status.js';
import type { Store } from '../store/db.js';
import { insertSupersededSecret } from '../store/superseded-secrets.js';
import {
  dailyUsage,
  findPolicy,
  findToken,
  insertToken,
  listTokens,
  type TokenRow,
  updateLiveToken,
  updateToken,
  upsertPolicy,
} from '../store/tokens.js';
import { adminAccess, type OrgAccess, requirePlan } from './access.js';
import { audited, changedFields, targetOf } from './audited.js';
import type { ServiceDeps } from './context.js';
import { emitEvent, preferencesFor } from './notifications.js';
import { checkProjectScope } from './projects.js';
import type { OrgRef, OrgTokenRef, PageRequest } from './refs.js';
import { newTokenRow } from './token-rows.js';

export const usageDays = 30;

function person(id: string | null, name: string | null) {
  return id ? { id, name: name ?? '' } : null;
}

/**
 * True when the organization's plan no longer includes organization tokens: its tokens are
 * kept, refused with PLAN_REQUIRED, and shown as suspended.
 */
function tokensSuspended(org: { plan: string }): boolean {
  return !planHasFeature(org.plan as Plan, 'organizationTokens');
}

/** An organization token as answers show it; `suspended` from its organization's plan. */
export function presentOrgToken(
  row: TokenRow,
  now: Date,
  usage: number[],
  suspended: boolean,
  staleAfterDays: number | null,
): OrgToken {
  const status = tokenStatus(
    { revokedAt: row.revoked_at, expiresAt: row.expires_at, suspended },
    now,
  );
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    hint: row.hint,
    status,
    permissions: JSON.parse(row.permissions) as Permission[],
    projects: JSON.parse(row.projects) as ProjectScope,
    expiresAt: row.expires_at,
    allowedCidrs: JSON.parse(row.allowed_cidrs) as string[],
    createdAt: row.created_at,
    createdBy: person(row.created_by, row.created_by_name),
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    lastUsedUserAgent: row.last_used_user_agent,
    revokedAt: row.revoked_at,
    revokedBy: person(row.revoked_by, row.revoked_by_name),
    rotatedAt: row.rotated_at,
    leakedAt: row.leaked_at,
    leak: row.leaked_at === null ? null : { source: row.leak_source ?? '', url: row.leak_url },
    stale:
      status !== 'revoked' &&
      status !== 'expired' &&
      staleAfterDays !== null &&
      (row.last_used_at ?? row.created_at) < staleCutoff(now.getTime(), staleAfterDays),
    dailyUsage: usage,
  };
}

/** The daily use counts of the last 30 days for each token, oldest first. */
export async function usageSeries(
  store: Store,
  tokenIds: string[],
  now: Date,
): Promise<Map<string, number[]>> {
  const days = Array.from({ length: usageDays }, (_, i) =>
    new Date(now.getTime() - (usageDays - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
  const rows = await dailyUsage(store.db, tokenIds, days[0] ?? '');
  const series = new Map(tokenIds.map((id) => [id, days.map(() => 0)]));
  for (const row of rows) {
    const index = days.indexOf(row.day);
    const values = series.get(row.token_id);
    if (values && index >= 0) values[index] = Number(row.count);
  }
  return series;
}

async function present(deps: ServiceDeps, access: OrgAccess, row: TokenRow): Promise<OrgToken> {
  const now = deps.clock.now();
  const [usage, preferences] = await Promise.all([
    usageSeries(deps.store, [row.id], now),
    preferencesFor(deps.store.db, access.org.id),
  ]);
  return presentOrgToken(
    row,
    now,
    usage.get(row.id) ?? [],
    tokensSuspended(access.org),
    preferences.staleAfterDays,
  );
}

async function tokenIn(deps: ServiceDeps, access: OrgAccess, tokenId: string): Promise<TokenRow> {
  const token = await findToken(deps.store.db, { orgId: access.org.id }, tokenId);
  if (!token) throw new AppError('NOT_FOUND', 'Token not found.');
  return token;
}

/** The organization's token policy, or the default when none is set. */
export async function policyOf(deps: ServiceDeps, orgId: string): Promise<TokenPolicy> {
  const row = await findPolicy(deps.store.db, orgId);
  return row
    ? { maxLifetimeDays: row.max_lifetime_days, requireExpiry: row.require_expiry === 1 }
    : defaultTokenPolicy;
}

/** allowedCidrs are an enterprise feature; an empty list means any address. */
function checkCidrs(access: OrgAccess, cidrs: string[] | undefined): string[] {
  if (!cidrs || cidrs.length === 0) return [];
  requirePlan(access.org, 'ipAllowlist');
  return [...new Set(parseCidrs(cidrs, 'allowedCidrs'))];
}

/** Creates an organization token; the secret is in the answer and nowhere else, ever. */
export async function createOrgToken(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: NewOrgToken,
): Promise<OrgToken & { token: string }> {
  const { actor } = caller;
  const access = await adminAccess(deps, actor, ref);
  requirePlan(access.org, 'organizationTokens');
  const now = deps.clock.now();
  const expiresAt = checkExpiry(
    input.expiresAt,
    await policyOf(deps, access.org.id),
    now,
    'expiresAt',
  );
  const projects = await checkProjectScope(deps, access.org.id, input.projects);
  const allowedCidrs = checkCidrs(access, input.allowedCidrs);
  const secret = generateToken('organization');
  const row = newTokenRow({
    id: newId(now.getTime()),
    kind: 'organization',
    orgId: access.org.id,
    userId: null,
    name: input.name.trim(),
    description: input.description?.trim() ?? '',
    permissions: JSON.stringify([...new Set(input.permissions)]),
    projects: JSON.stringify(projects),
    allowedCidrs: JSON.stringify(allowedCidrs),
    secret,
    expiresAt,
    createdAt: now.toISOString(),
    creator: actor,
  });
  await audited(deps, { ...caller, at: row.created_at }, async (tx) => {
    await insertToken(tx.db, row);
    await tx.record({
      orgId: access.org.id,
      action: 'token.created',
      target: targetOf.orgToken(row),
      details: {
        permissions: JSON.parse(row.permissions),
        projects,
        expiresAt,
        allowedCidrs,
      },
    });
  });
  return {
    ...presentOrgToken(row, now, Array(usageDays).fill(0), tokensSuspended(access.org), null),
    token: secret,
  };
}

/** The organization's tokens, newest first, filtered by status and name (org admins). */
export async function pageOrgTokens(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  query: PageRequest & {
    status?: TokenStatus | undefined;
    q?: string | undefined;
    stale?: boolean | undefined;
    expiringWithinDays?: number | undefined;
  },
): Promise<Page<OrgToken>> {
  const access = await adminAccess(deps, caller.actor, ref);
  const now = deps.clock.now();
  const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
  const suspended = tokensSuspended(access.org);
  const { staleAfterDays } = await preferencesFor(deps.store.db, access.org.id);
  const rows = await listTokens(
    deps.store.db,
    {
      owner: { orgId: access.org.id },
      status: query.status,
      suspended,
      q: query.q,
      now: now.toISOString(),
      soon: new Date(now.getTime() + expiringWindowMs).toISOString(),
      stale:
        query.stale === undefined
          ? undefined
          : {
              stale: query.stale,
              cutoff: staleAfterDays === null ? null : staleCutoff(now.getTime(), staleAfterDays),
            },
      expiresBefore:
        query.expiringWithinDays === undefined
          ? undefined
          : new Date(now.getTime() + query.expiringWithinDays * 86_400_000).toISOString(),
    },
    { limit: query.limit, after },
  );
  const served = rows.slice(0, query.limit);
  const usage = await usageSeries(
    deps.store,
    served.map((row) => row.id),
    now,
  );
  return toPage(
    rows,
    query.limit,
    (row) => [row.id],
    (row) => presentOrgToken(row, now, usage.get(row.id) ?? [], suspended, staleAfterDays),
  );
}

/** One organization token (org admins). */
export async function getOrgToken(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgTokenRef,
): Promise<OrgToken> {
  const access = await adminAccess(deps, caller.actor, ref);
  return present(deps, access, await tokenIn(deps, access, ref.tokenId));
}

/** Edits name, description, permissions, project scope or allowlist; never the expiry. */
export async function updateOrgToken(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgTokenRef,
  input: OrgTokenChange,
): Promise<OrgToken> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'organizationTokens');
  const token = await tokenIn(deps, access, ref.tokenId);
  if (token.revoked_at) throw new AppError('CONFLICT', 'A revoked token cannot be edited.');
  const changes: Partial<TokenRow> = {};
  if (input.name !== undefined) changes.name = input.name.trim();
  if (input.description !== undefined) changes.description = input.description.trim();
  if (input.permissions !== undefined) {
    changes.permissions = JSON.stringify([...new Set(input.permissions)]);
  }
  if (input.projects !== undefined) {
    changes.projects = JSON.stringify(await checkProjectScope(deps, access.org.id, input.projects));
  }
  if (input.allowedCidrs !== undefined) {
    changes.allowed_cidrs = JSON.stringify(checkCidrs(access, input.allowedCidrs));
  }
  const { changed, details } = changedFields(token, changes);
  if (Object.keys(changed).length > 0) {
    await audited(deps, caller, async (tx) => {
      await updateToken(tx.db, token.id, changed);
      await tx.record({
        orgId: access.org.id,
        action: 'token.updated',
        target: targetOf.orgToken(token),
        details,
      });
    });
    deps.invalidate.token(token.id);
  }
  return present(deps, access, { ...token, ...changed });
}

/** Revokes a token: refused from the next request on; kept in the records (idempotent). */
export async function revokeOrgToken(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgTokenRef,
): Promise<OrgToken> {
  const { actor } = caller;
  const access = await adminAccess(deps, actor, ref);
  const token = await tokenIn(deps, access, ref.tokenId);
  if (token.revoked_at) return present(deps, access, token);
  const revoked = await audited(deps, caller, async (tx) => {
    const changes = {
      revoked_at: tx.at,
      revoked_by: actor.id,
      revoked_by_name: actor.name,
      expiry_notice_at: null,
    };
    // Only the revocation that finds the token live writes its event: two at once make one.
    if (!(await updateLiveToken(tx.db, token.id, changes))) return null;
    const row = { ...token, ...changes };
    await tx.record({
      orgId: access.org.id,
      action: 'token.revoked',
      target: targetOf.orgToken(token),
    });
    await emitEvent(tx.db, deps.notify, {
      org: access.org,
      type: 'token.revoked',
      token: row,
      data: { revokedBy: { id: actor.id, name: actor.name } },
      at: tx.at,
    });
    return row;
  });
  deps.invalidate.token(token.id);
  return present(deps, access, revoked ?? (await tokenIn(deps, access, token.id)));
}

/** The longest grace a rotation gives the previous secret, in seconds (docs/api.md "Tokens"). */
const maxGraceSeconds = 86_400;
/** The same with graceUntilFirstUse. */
const maxGraceUntilFirstUseSeconds = 604_800;
/**
 * Its default there: a day, as a fixed grace's limit. A longer wait (up to a week, for a
 * pipeline that runs weekly) is asked for; left at a week by default, a rotation made
 * because a secret leaked would leave the leaked secret working for a week whenever the new
 * one goes unused.
 */
const defaultGraceUntilFirstUseSeconds = 86_400;

/**
 * The grace period a rotation asks for. A fixed grace is at most a day. With
 * graceUntilFirstUse the new secret's first successful use ends it, so it may be as long as
 * a week: long enough for a pipeline that runs weekly to pick up the new secret before the
 * old one stops. Its default is a day.
 */
function rotationGrace(input: {
  gracePeriodSeconds?: number | undefined;
  graceUntilFirstUse?: boolean | undefined;
}): number {
  if (input.graceUntilFirstUse) {
    const grace = input.gracePeriodSeconds ?? defaultGraceUntilFirstUseSeconds;
    if (grace > maxGraceUntilFirstUseSeconds) {
      throw invalid(
        'gracePeriodSeconds',
        `gracePeriodSeconds is at most ${maxGraceUntilFirstUseSeconds} with graceUntilFirstUse`,
      );
    }
    return grace;
  }
  const grace = input.gracePeriodSeconds ?? 0;
  if (grace > maxGraceSeconds) {
    throw invalid(
      'gracePeriodSeconds',
      `gracePeriodSeconds is at most ${maxGraceSeconds}; up to ${maxGraceUntilFirstUseSeconds} needs graceUntilFirstUse: true`,
    );
  }
  return grace;
}

/**
 * Replaces the secret, keeping id, name, scope and history. The previous secret stays valid
 * for `gracePeriodSeconds` (with `graceUntilFirstUse`, only until the new secret is first used
 * successfully, if that comes sooner), never past the token's expiry, then never again; its
 * digest is kept in superseded_secrets, so that it answers TOKEN_ROTATED ever after. Without
 * `expiresAt` the new secret gets the lifetime the current one was issued with (since
 * creation or the last rotation), counted from now; no expiry stays no expiry.
 */
export async function rotateOrgToken(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgTokenRef,
  input: {
    expiresAt?: string | null | undefined;
    gracePeriodSeconds?: number | undefined;
    graceUntilFirstUse?: boolean | undefined;
  },
): Promise<OrgToken & { token: string }> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'organizationTokens');
  const grace = rotationGrace(input);
  const token = await tokenIn(deps, access, ref.tokenId);
  if (token.revoked_at) throw new AppError('CONFLICT', 'A revoked token cannot be rotated.');
  const now = deps.clock.now();
  // Rotation renews a working token; it never brings an expired one back, not even for the
  // grace period of its old secret (docs/security.md "Grace never extends a life").
  if (token.expires_at !== null && Date.parse(token.expires_at) <= now.getTime()) {
    throw new AppError('CONFLICT', 'An expired token cannot be rotated; create a new one.');
  }
  const requested =
    input.expiresAt !== undefined
      ? input.expiresAt
      : token.expires_at === null
        ? null
        : new Date(
            now.getTime() +
              (Date.parse(token.expires_at) - Date.parse(token.rotated_at ?? token.created_at)),
          ).toISOString();
  const expiresAt = checkExpiry(requested, await policyOf(deps, access.org.id), now, 'expiresAt');
  const graceEnd = previousSecretEnd(now, grace, token.expires_at);
  const untilFirstUse = graceEnd !== null && input.graceUntilFirstUse === true;
  const secret = generateToken('organization');
  const changes = {
    digest: tokenDigest(secret),
    hint: tokenHint(secret),
    previous_digest: graceEnd === null ? null : token.digest,
    previous_valid_until: graceEnd,
    previous_until_first_use: untilFirstUse ? 1 : 0,
    expires_at: expiresAt,
    rotated_at: now.toISOString(),
    // A new expiry: its warnings start afresh.
    expiry_notice_at: expiresAt === null ? null : now.toISOString(),
    expiry_notice_days: null,
  };
  await audited(deps, { ...caller, at: changes.rotated_at }, async (tx) => {
    await updateToken(tx.db, token.id, changes);
    await insertSupersededSecret(tx.db, {
      digest: token.digest,
      token_id: token.id,
      superseded_at: tx.at,
      noticed_at: null,
    });
    await tx.record({
      orgId: access.org.id,
      action: 'token.rotated',
      target: targetOf.orgToken(token),
      details: {
        gracePeriodSeconds: grace,
        graceUntilFirstUse: untilFirstUse,
        previousValidUntil: graceEnd,
        expiresAt,
      },
    });
    await emitEvent(tx.db, deps.notify, {
      org: access.org,
      type: 'token.rotated',
      token: { ...token, ...changes },
      data: { previousValidUntil: graceEnd },
      at: tx.at,
    });
  });
  deps.invalidate.token(token.id);
  return { ...(await present(deps, access, { ...token, ...changes })), token: secret };
}

/** The organization's token policy (org admins, any plan). */
export async function getTokenPolicy(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
): Promise<TokenPolicy> {
  const access = await adminAccess(deps, caller.actor, ref);
  return policyOf(deps, access.org.id);
}

/** Sets the token policy (org admins, enterprise plan). Existing tokens keep their expiry. */
export async function putTokenPolicy(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  policy: TokenPolicy,
): Promise<TokenPolicy> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'tokenPolicy');
  const before = await policyOf(deps, access.org.id);
  await audited(deps, caller, async (tx) => {
    await upsertPolicy(tx.db, {
      org_id: access.org.id,
      max_lifetime_days: policy.maxLifetimeDays,
      require_expiry: policy.requireExpiry ? 1 : 0,
      updated_at: tx.at,
    });
    await tx.record({
      orgId: access.org.id,
      action: 'policy.updated',
      target: targetOf.org(access.org),
      details: { from: before, to: policy },
    });
  });
  return policy;
}
