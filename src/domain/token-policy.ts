import { invalid } from './errors.js';

/** An organization's token lifetime policy (enterprise). */
export interface TokenPolicy {
  maxLifetimeDays: number | null;
  requireExpiry: boolean;
}

export const defaultTokenPolicy: TokenPolicy = { maxLifetimeDays: null, requireExpiry: false };

const dayMs = 24 * 3600 * 1000;

/**
 * The expiry rules (docs/api.md "Tokens"): at least one day ahead, within the policy's maximum lifetime, and
 * `null` (no expiry) only where the policy allows it. Returns the normalized ISO time.
 */
export function checkExpiry(
  expiresAt: string | null,
  policy: TokenPolicy,
  now: Date,
  field: string,
): string | null {
  if (expiresAt === null) {
    if (policy.requireExpiry || policy.maxLifetimeDays !== null) {
      throw invalid(field, "this organization's token policy requires an expiry date");
    }
    return null;
  }
  const ms = Date.parse(expiresAt);
  if (Number.isNaN(ms)) throw invalid(field, `${field} is not a date-time this server can use`);
  if (ms < now.getTime() + dayMs) throw invalid(field, `${field} must be at least 1 day ahead`);
  if (policy.maxLifetimeDays !== null && ms > now.getTime() + policy.maxLifetimeDays * dayMs) {
    throw invalid(
      field,
      `${field} is beyond this organization's maximum token lifetime of ${policy.maxLifetimeDays} days`,
    );
  }
  return new Date(ms).toISOString();
}

/**
 * When the secret a rotation replaces stops working: after the grace period, and never
 * later than the expiry that secret was issued with. Null when it stops at once.
 */
export function previousSecretEnd(
  now: Date,
  graceSeconds: number,
  expiresAt: string | null,
): string | null {
  if (graceSeconds <= 0) return null;
  const end = now.getTime() + graceSeconds * 1000;
  const bounded = expiresAt === null ? end : Math.min(end, Date.parse(expiresAt));
  return bounded > now.getTime() ? new Date(bounded).toISOString() : null;
}
