import { tokenDigest, tokenHint } from '../domain/token-format.js';
import type { TokenRow } from '../store/tokens.js';

/**
 * The stored row of a token just issued: its digest and hint, never the secret; no use, no
 * rotation, no revocation yet. One place for both kinds of token.
 */
export function newTokenRow(input: {
  id: string;
  kind: 'organization' | 'personal' | 'ephemeral';
  orgId: string | null;
  userId: string | null;
  /** The organization a narrowed personal access token is limited to. */
  scopeOrgId?: string | null;
  name: string;
  description?: string;
  permissions: string;
  projects: string;
  allowedCidrs: string;
  secret: string;
  expiresAt: string | null;
  createdAt: string;
  creator: { id: string; name: string } | null;
  /** An ephemeral token's trust policy and CI run. */
  minted?: { policyId: string; ciContext: string } | undefined;
}): TokenRow {
  return {
    id: input.id,
    kind: input.kind,
    org_id: input.orgId,
    user_id: input.userId,
    scope_org_id: input.scopeOrgId ?? null,
    name: input.name,
    description: input.description ?? '',
    permissions: input.permissions,
    projects: input.projects,
    allowed_cidrs: input.allowedCidrs,
    digest: tokenDigest(input.secret),
    hint: tokenHint(input.secret),
    previous_digest: null,
    previous_valid_until: null,
    expires_at: input.expiresAt,
    created_at: input.createdAt,
    created_by: input.creator?.id ?? null,
    created_by_name: input.creator?.name ?? null,
    last_used_at: null,
    last_used_ip: null,
    last_used_user_agent: null,
    revoked_at: null,
    revoked_by: null,
    revoked_by_name: null,
    rotated_at: null,
    // The expiry scan looks at a new organization token with an expiry at once.
    expiry_notice_at: input.kind === 'organization' && input.expiresAt ? input.createdAt : null,
    expiry_notice_days: null,
    stale_noticed_at: null,
    previous_until_first_use: 0,
    policy_id: input.minted?.policyId ?? null,
    ci_context: input.minted?.ciContext ?? null,
    leaked_at: null,
    leak_source: null,
    leak_url: null,
  };
}
