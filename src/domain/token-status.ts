/** Token status, derived at read time (docs/concepts.md). */
export type TokenStatus = 'active' | 'expiring' | 'suspended' | 'expired' | 'revoked';

export const tokenStatuses: TokenStatus[] = [
  'active',
  'expiring',
  'suspended',
  'expired',
  'revoked',
];

/** A token that expires within this window is `expiring`, and responses carry its expiry. */
export const expiringWindowMs = 7 * 24 * 3600 * 1000;

/**
 * The status of a token at `now`, the first that applies of: revoked, expired (from the
 * instant of expiresAt), suspended (an organization token whose organization's plan no longer
 * includes organization tokens: kept, refused until the plan has them again), expiring,
 * active. A personal access token is never suspended.
 */
export function tokenStatus(
  token: { revokedAt: string | null; expiresAt: string | null; suspended?: boolean },
  now: Date,
): TokenStatus {
  if (token.revokedAt !== null) return 'revoked';
  const remaining = token.expiresAt === null ? null : Date.parse(token.expiresAt) - now.getTime();
  if (remaining !== null && remaining <= 0) return 'expired';
  if (token.suspended) return 'suspended';
  return remaining !== null && remaining <= expiringWindowMs ? 'expiring' : 'active';
}

/** True when a valid token's expiry (epoch ms) is close enough to warn about it. */
export function expiresSoon(expiresAtMs: number | null, nowMs: number): boolean {
  return expiresAtMs !== null && expiresAtMs - nowMs <= expiringWindowMs;
}
