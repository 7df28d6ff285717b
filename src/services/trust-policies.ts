import type {
  CheckResult,
  Exchange,
  NewTrustPolicy,
  TrustPolicy,
  TrustPolicyChange,
} from '../contract/trust-policies.js';
import type { Caller, MintedBy } from '../domain/actors.js';
import {
  allConditionsPass,
  type ClaimConditions,
  checkConditions,
  evaluateConditions,
  immutableIdAlternative,
} from '../domain/claim-conditions.js';
import { AppError, invalid } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { decodeCursor, type Page, toPage } from '../domain/pagination.js';
import type { Permission } from '../domain/permissions.js';
import type { ProjectScope } from '../domain/project-scope.js';
import { tokenStatus } from '../domain/token-status.js';
import { issuerProblem, peekClaims } from '../runtime/oidc-issuers.js';
import type { TokenRow } from '../store/tokens.js';
import { updateLiveToken } from '../store/tokens.js';
import {
  deleteTrustPolicy as deleteTrustPolicyRow,
  findMintedToken,
  findTrustPolicy,
  insertTrustPolicy,
  listExchanges,
  listTrustPolicies,
  type TrustPolicyRow,
  updateTrustPolicy as updateTrustPolicyRow,
} from '../store/trust-policies.js';
import { adminAccess, type OrgAccess, requirePlan } from './access.js';
import { audited, changedFields } from './audited.js';
import type { ServiceDeps } from './context.js';
import { checkProjectScope } from './projects.js';
import type { OrgRef, PageRequest } from './refs.js';

export interface TrustPolicyRef extends OrgRef {
  policyId: string;
}

export interface ExchangeRef extends TrustPolicyRef {
  tokenId: string;
}

export const defaultTtlSeconds = 900;

const policyTarget = (row: { id: string; name: string }) => ({
  type: 'trust_policy' as const,
  id: row.id,
  name: row.name,
});

/** What would make a policy safer: names matched where an immutable id exists. */
function adviceFor(claims: ClaimConditions): string[] {
  return Object.keys(claims).flatMap((claim) => {
    const id = immutableIdAlternative(claim);
    return id && !(id in claims)
      ? [
          `${claim} can be renamed or re-registered by someone else; match ${id} as well or instead.`,
        ]
      : [];
  });
}

export function presentPolicy(row: TrustPolicyRow): TrustPolicy {
  const claims = JSON.parse(row.claims) as ClaimConditions;
  const projects = JSON.parse(row.projects) as ProjectScope;
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    audience: row.audience,
    claims,
    permissions: JSON.parse(row.permissions) as Permission[],
    projects:
      projects.mode === 'all'
        ? projects
        : { mode: 'selected', keys: projects.keys ?? [], patterns: projects.patterns ?? [] },
    ttlSeconds: row.ttl_seconds,
    advice: adviceFor(claims),
    createdAt: row.created_at,
    createdBy: row.created_by ? { id: row.created_by, name: row.created_by_name ?? '' } : null,
    updatedAt: row.updated_at,
  };
}

function checkIssuer(deps: ServiceDeps, issuer: string): string {
  const problem = issuerProblem(issuer, deps.oidc.insecureIssuers);
  if (problem !== null) throw invalid('issuer', problem);
  return issuer;
}

function checkClaims(claims: ClaimConditions): string {
  const problem = checkConditions(claims);
  if (problem !== null) throw invalid('claims', problem);
  return JSON.stringify(claims);
}

async function policyIn(deps: ServiceDeps, access: OrgAccess, id: string): Promise<TrustPolicyRow> {
  const row = await findTrustPolicy(deps.store.db, access.org.id, id);
  if (!row) throw new AppError('NOT_FOUND', 'Trust policy not found.');
  return row;
}

/** Trust policies: a signed-in org admin of an enterprise organization. */
async function policyAdmin(deps: ServiceDeps, caller: Caller, ref: OrgRef): Promise<OrgAccess> {
  const access = await adminAccess(deps, caller.actor, ref);
  requirePlan(access.org, 'workloadIdentity');
  return access;
}

export async function pageTrustPolicies(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  query: PageRequest,
): Promise<Page<TrustPolicy>> {
  const access = await adminAccess(deps, caller.actor, ref);
  const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
  const rows = await listTrustPolicies(deps.store.db, access.org.id, {
    limit: query.limit,
    after,
  });
  return toPage(rows, query.limit, (row) => [row.id], presentPolicy);
}

export async function createTrustPolicy(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: NewTrustPolicy,
): Promise<TrustPolicy> {
  const access = await policyAdmin(deps, caller, ref);
  const at = deps.clock.now().toISOString();
  const row: TrustPolicyRow = {
    id: newId(Date.parse(at)),
    org_id: access.org.id,
    name: input.name.trim(),
    issuer: checkIssuer(deps, input.issuer),
    audience: input.audience,
    claims: checkClaims(input.claims),
    permissions: JSON.stringify([...new Set(input.permissions)]),
    projects: JSON.stringify(await checkProjectScope(deps, access.org.id, input.projects)),
    ttl_seconds: input.ttlSeconds ?? defaultTtlSeconds,
    created_at: at,
    created_by: caller.actor.id,
    created_by_name: caller.actor.name,
    updated_at: at,
  };
  await audited(deps, { ...caller, at }, async (tx) => {
    await insertTrustPolicy(tx.db, row);
    await tx.record({
      orgId: access.org.id,
      action: 'trust_policy.created',
      target: policyTarget(row),
      details: { ...presentPolicy(row), advice: undefined },
    });
  });
  return presentPolicy(row);
}

export async function getTrustPolicy(
  deps: ServiceDeps,
  caller: Caller,
  ref: TrustPolicyRef,
): Promise<TrustPolicy> {
  const access = await adminAccess(deps, caller.actor, ref);
  return presentPolicy(await policyIn(deps, access, ref.policyId));
}

/**
 * Changes a policy. Tokens it already minted keep what they were minted with until they
 * expire (an hour at most); revoke them from its exchanges to end them sooner.
 */
export async function updateTrustPolicy(
  deps: ServiceDeps,
  caller: Caller,
  ref: TrustPolicyRef,
  input: TrustPolicyChange,
): Promise<TrustPolicy> {
  const access = await policyAdmin(deps, caller, ref);
  const policy = await policyIn(deps, access, ref.policyId);
  const changes: Partial<TrustPolicyRow> = {};
  if (input.name !== undefined) changes.name = input.name.trim();
  if (input.issuer !== undefined) changes.issuer = checkIssuer(deps, input.issuer);
  if (input.audience !== undefined) changes.audience = input.audience;
  if (input.claims !== undefined) changes.claims = checkClaims(input.claims);
  if (input.permissions !== undefined) {
    changes.permissions = JSON.stringify([...new Set(input.permissions)]);
  }
  if (input.projects !== undefined) {
    changes.projects = JSON.stringify(await checkProjectScope(deps, access.org.id, input.projects));
  }
  if (input.ttlSeconds !== undefined) changes.ttl_seconds = input.ttlSeconds;
  const { changed, details } = changedFields(policy, changes);
  if (Object.keys(changed).length === 0) return presentPolicy(policy);
  const updated = await audited(deps, caller, async (tx) => {
    const next = { ...changed, updated_at: tx.at };
    await updateTrustPolicyRow(tx.db, policy.id, next);
    await tx.record({
      orgId: access.org.id,
      action: 'trust_policy.updated',
      target: policyTarget(policy),
      details,
    });
    return { ...policy, ...next };
  });
  return presentPolicy(updated);
}

/** Deletes a policy and revokes every live token it minted, on every instance at once. */
export async function deleteTrustPolicy(
  deps: ServiceDeps,
  caller: Caller,
  ref: TrustPolicyRef,
): Promise<void> {
  const access = await adminAccess(deps, caller.actor, ref);
  const policy = await policyIn(deps, access, ref.policyId);
  const revoked = await audited(deps, caller, async (tx) => {
    const ids = await deleteTrustPolicyRow(tx.db, policy.id, {
      at: tx.at,
      by: caller.actor.id,
      byName: caller.actor.name,
    });
    await tx.record({
      orgId: access.org.id,
      action: 'trust_policy.deleted',
      target: policyTarget(policy),
      details: { revokedTokens: ids.length },
    });
    return ids;
  });
  for (const id of revoked) deps.invalidate.token(id);
}

function ephemeralStatus(row: TokenRow, now: Date): Exchange['status'] {
  const status = tokenStatus(
    { revokedAt: row.revoked_at, expiresAt: row.expires_at, suspended: false },
    now,
  );
  return status === 'expiring' ? 'active' : status;
}

function presentExchange(row: TokenRow, now: Date): Exchange {
  const minted = row.ci_context ? (JSON.parse(row.ci_context) as MintedBy) : null;
  return {
    id: row.id,
    hint: row.hint,
    // An ote_ token lives minutes: it is active until it expires, never "expiring".
    status: ephemeralStatus(row, now),
    subject: minted?.run.subject ?? '',
    repository: minted?.run.repository ?? null,
    ref: minted?.run.ref ?? null,
    runId: minted?.run.runId ?? null,
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** The tokens a policy minted, newest first (org admins). */
export async function pageExchanges(
  deps: ServiceDeps,
  caller: Caller,
  ref: TrustPolicyRef,
  query: PageRequest,
): Promise<Page<Exchange>> {
  const access = await adminAccess(deps, caller.actor, ref);
  const policy = await policyIn(deps, access, ref.policyId);
  const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
  const rows = await listExchanges(deps.store.db, policy.id, { limit: query.limit, after });
  const now = deps.clock.now();
  return toPage(
    rows,
    query.limit,
    (row) => [row.id],
    (row) => presentExchange(row, now),
  );
}

/** Revokes one token a policy minted (org admins; idempotent). */
export async function revokeExchange(
  deps: ServiceDeps,
  caller: Caller,
  ref: ExchangeRef,
): Promise<Exchange> {
  const access = await adminAccess(deps, caller.actor, ref);
  const policy = await policyIn(deps, access, ref.policyId);
  const row = await findMintedToken(deps.store.db, policy.id, ref.tokenId);
  if (!row) throw new AppError('NOT_FOUND', 'Token not found.');
  if (row.revoked_at !== null) return presentExchange(row, deps.clock.now());
  const revoked = await audited(deps, caller, async (tx) => {
    const changes = {
      revoked_at: tx.at,
      revoked_by: caller.actor.id,
      revoked_by_name: caller.actor.name,
    };
    if (!(await updateLiveToken(tx.db, row.id, changes))) return row;
    await tx.record({
      orgId: access.org.id,
      action: 'token.revoked',
      target: { type: 'ephemeral_token', id: row.id, name: row.name },
      details: { policy: { id: policy.id, name: policy.name } },
    });
    return { ...row, ...changes };
  });
  deps.invalidate.token(row.id);
  return presentExchange(revoked, deps.clock.now());
}

/**
 * A dry run of an exchange against one policy: verifies the token as an exchange would and
 * says which conditions pass and which fail, minting nothing and using up no `jti` (org
 * admins). The claims of a token that fails verification are still matched, read without
 * trust, so that a policy can be set up from a token of the wrong audience.
 */
export async function checkTrustPolicy(
  deps: ServiceDeps,
  caller: Caller,
  ref: TrustPolicyRef,
  token: string,
): Promise<CheckResult> {
  const access = await policyAdmin(deps, caller, ref);
  const policy = await policyIn(deps, access, ref.policyId);
  const verification = await deps.oidc.verify(token, {
    issuer: policy.issuer,
    audience: policy.audience,
  });
  const claims = verification.ok ? verification.claims : (unverifiedClaims(token) ?? {});
  const conditions = evaluateConditions(JSON.parse(policy.claims) as ClaimConditions, claims);
  return {
    accepted: verification.ok && allConditionsPass(conditions),
    verification: verification.ok
      ? { ok: true, reason: null }
      : { ok: false, reason: verification.reason },
    conditions,
  };
}

function unverifiedClaims(token: string): Record<string, unknown> | null {
  if (peekClaims(token) === null) return null;
  try {
    const payload = token.split('.')[1] ?? '';
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return null;
  }
}
