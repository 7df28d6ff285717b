/** Token status, derived at read time (docs/concepts.md). */
export type TokenStatus = 'active' | 'expiring' | 'expired' | 'revoked';

export const tokenStatuses: TokenStatus[] = ['active', 'expiring', 'expired', 'revoked'];

/** A token that expires within this window is `expiring`, and responses carry its expiry. */
export const expiringWindowMs = 7 * 24 * 3600 * 1000;

/** The status of a token at `now`: revoked, then expired (from the instant of expiresAt). */
export function tokenStatus(
  token: { revokedAt: string | null; expiresAt: string | null },
  now: Date,
): TokenStatus {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt === null) return 'active';
  const remaining = Date.parse(token.expiresAt) - now.getTime();
  if (remaining <= 0) return 'expired';
  return remaining <= expiringWindowMs ? 'expiring' : 'active';
}

/** True when a valid token's expiry (epoch ms) is close enough to warn about it. */
export function expiresSoon(expiresAtMs: number | null, nowMs: number): boolean {
  return expiresAtMs !== null && expiresAtMs - nowMs <= expiringWindowMs;
}
