import type { ExchangeRequest, ExchangeResult } from '../contract/trust-policies.js';
import type { CiRun, MintedBy, RequestMeta } from '../domain/actors.js';
import { limitedAddress } from '../domain/cidr.js';
import {
  allConditionsPass,
  type ClaimConditions,
  type ConditionResult,
  evaluateConditions,
} from '../domain/claim-conditions.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Plan } from '../domain/organizations.js';
import type { Permission } from '../domain/permissions.js';
import { planHasFeature } from '../domain/plan-features.js';
import type { ProjectScope } from '../domain/project-scope.js';
import { generateToken } from '../domain/token-format.js';
import { type OidcClaims, oidcSkewSeconds, peekClaims } from '../runtime/oidc-issuers.js';
import { findOrgByKey } from '../store/orgs.js';
import { insertToken } from '../store/tokens.js';
import {
  claimJwtId,
  findTrustPolicyByRef,
  type TrustPolicyRow,
  trustPoliciesFor,
} from '../store/trust-policies.js';
import { audited } from './audited.js';
import type { ServiceDeps } from './context.js';
import { newTokenRow } from './token-rows.js';

const invalid = (message: string) => new AppError('OIDC_INVALID', message);

/** The run a CI's claims describe, in the names GitHub Actions and GitLab CI use. */
function runOf(claims: OidcClaims): CiRun {
  const text = (value: unknown) =>
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
  return {
    issuer: String(claims.iss),
    subject: text(claims.sub) ?? '',
    repository: text(claims.repository) ?? text(claims.project_path),
    ref: text(claims.ref),
    runId: text(claims.run_id) ?? text(claims.pipeline_id),
  };
}

/**
 * The policy a verified token is exchanged under: of those whose conditions all pass, the
 * one with the most conditions, then the oldest (SPEC §12). None: OIDC_NO_MATCH naming each
 * failed condition of each policy (claim and expected pattern, never the claim's value).
 */
function choosePolicy(policies: TrustPolicyRow[], claims: OidcClaims): TrustPolicyRow {
  const results = policies.map((policy) => ({
    policy,
    conditions: evaluateConditions(JSON.parse(policy.claims) as ClaimConditions, claims),
  }));
  const passing = results
    .filter((r) => allConditionsPass(r.conditions))
    .sort(
      (a, b) => b.conditions.length - a.conditions.length || a.policy.id.localeCompare(b.policy.id),
    );
  const winner = passing[0];
  if (winner) return winner.policy;
  const failures = results.map(
    ({ policy, conditions }) =>
      `policy "${policy.name}": ${conditions
        .filter((c) => !c.ok)
        .map(describeFailure)
        .join('; ')}`,
  );
  throw new AppError(
    'OIDC_NO_MATCH',
    `The token does not meet the conditions of any trust policy. ${failures.join('. ')}.`,
  );
}

function describeFailure(result: ConditionResult): string {
  const verb = result.expected.includes('*') ? 'match' : 'equal';
  if (result.reason === 'missing')
    return `${result.claim} is missing (must ${verb} "${result.expected}")`;
  if (result.reason === 'not a string') {
    return `${result.claim} is not a string (must ${verb} "${result.expected}")`;
  }
  return `${result.claim} must ${verb} "${result.expected}"`;
}

/**
 * Exchanges a CI's identity token (a JWT its platform signed) for a short-lived ote_ token
 * under one of the organization's trust policies (SPEC §12). No other credential: the JWT
 * is the credential. Only issuers a policy of the organization names are ever asked for
 * keys, so a made-up `iss` costs no outbound request. Every refusal says which condition
 * failed and never repeats the JWT.
 */
export async function exchangeCiToken(
  deps: ServiceDeps,
  meta: RequestMeta,
  input: ExchangeRequest,
): Promise<ExchangeResult> {
  // Refused exchanges count like failed tokens from the same address (docs/security.md
  // "Rate limiting"): a caller guessing at policies or replaying JWTs is slowed down too.
  // What this instance already knows of the address, else the count itself (Redis's, with
  // REDIS_URL): this count is never undone, so a known block is the count's answer.
  const address = limitedAddress(meta.ip);
  const limiter = deps.limits.tokenFailures;
  const nowMs = deps.clock.nowMs();
  const wait =
    limiter.knownBlockedFor(address, nowMs) || (await limiter.retryAfter(address, nowMs));
  if (wait > 0) {
    throw new AppError('RATE_LIMITED', undefined, { retryAfterSeconds: wait });
  }
  try {
    return await exchange(deps, meta, input);
  } catch (error) {
    if (
      error instanceof AppError &&
      error.code.startsWith('OIDC_') &&
      error.code !== 'OIDC_ISSUER_UNAVAILABLE'
    ) {
      await deps.limits.tokenFailures.fail(address, deps.clock.nowMs());
    }
    throw error;
  }
}

async function exchange(
  deps: ServiceDeps,
  meta: RequestMeta,
  input: ExchangeRequest,
): Promise<ExchangeResult> {
  const peeked = peekClaims(input.token);
  if (peeked === null) throw invalid('The token is not a JWT with iss and aud claims.');
  const org = await findOrgByKey(deps.store.db, input.org);
  const noPolicy = invalid(
    `No trust policy of organization "${input.org}" trusts issuer ${peeked.iss} with this audience (trust policies need the enterprise plan).`,
  );
  if (!org || !planHasFeature(org.plan as Plan, 'workloadIdentity')) throw noPolicy;
  let policies: TrustPolicyRow[];
  if (input.policy !== undefined) {
    const named = await findTrustPolicyByRef(deps.store.db, org.id, input.policy);
    if (!named) throw invalid(`Organization "${input.org}" has no trust policy "${input.policy}".`);
    policies = [named];
  } else {
    // A one-element aud array is the audience itself; several never match (crates.io's rule).
    const audience = peeked.aud.length === 1 ? (peeked.aud[0] ?? '') : null;
    policies =
      audience === null ? [] : await trustPoliciesFor(deps.store.db, org.id, peeked.iss, audience);
    if (policies.length === 0) throw noPolicy;
  }
  const first = policies[0] as TrustPolicyRow;
  const verified = await deps.oidc.verify(input.token, {
    issuer: first.issuer,
    audience: first.audience,
  });
  if (!verified.ok) {
    throw new AppError(
      verified.unavailable ? 'OIDC_ISSUER_UNAVAILABLE' : 'OIDC_INVALID',
      verified.reason,
    );
  }
  const policy = choosePolicy(policies, verified.claims);
  const run = runOf(verified.claims);
  const now = deps.clock.now();
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + policy.ttl_seconds * 1000).toISOString();
  const secret = generateToken('ephemeral');
  const id = newId(now.getTime());
  const minted: MintedBy = { policy: { id: policy.id, name: policy.name }, run };
  const row = newTokenRow({
    id,
    kind: 'ephemeral',
    orgId: org.id,
    userId: null,
    // Unique among the organization's live tokens, readable in the audit log.
    name: `${policy.name} ${run.repository ?? run.subject} ${id.slice(-8)}`.slice(0, 200),
    permissions: policy.permissions,
    projects: policy.projects,
    allowedCidrs: '[]',
    secret,
    expiresAt,
    createdAt: at,
    creator: null,
    minted: { policyId: policy.id, ciContext: JSON.stringify(minted) },
  });
  // The JWT's id is kept until the JWT itself can no longer be accepted (its exp, plus skew).
  const jtiUntil = new Date(((verified.claims.exp ?? 0) + oidcSkewSeconds) * 1000).toISOString();
  const jti = String(verified.claims.jti);
  const party = { type: 'ephemeral_token', id, name: row.name };
  await audited(deps, { actor: party, meta, at }, async (tx) => {
    if (!(await claimJwtId(tx.db, run.issuer, jti, jtiUntil))) {
      throw invalid(
        'This token was already exchanged (its jti was seen before); request a new one.',
      );
    }
    await insertToken(tx.db, row);
    await tx.record({
      orgId: org.id,
      action: 'token.exchanged',
      target: { type: 'ephemeral_token', id, name: row.name },
      details: { policy: minted.policy, run, jti, expiresAt },
    });
  });
  const projects = JSON.parse(policy.projects) as ProjectScope;
  return {
    token: secret,
    expiresAt,
    policy: { id: policy.id, name: policy.name },
    permissions: JSON.parse(policy.permissions) as Permission[],
    projects:
      projects.mode === 'all'
        ? projects
        : { mode: 'selected', keys: projects.keys ?? [], patterns: projects.patterns ?? [] },
  };
}
