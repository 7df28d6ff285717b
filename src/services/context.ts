import type { Clock } from '../domain/clock.js';
import type { PasswordHasher } from '../domain/passwords.js';
import type { OidcExpectation, OidcVerification } from '../runtime/oidc-issuers.js';
import type { RateLimits } from '../runtime/rate-limits.js';
import type { TokenInvalidation } from '../runtime/verification-cache.js';
import type { AnalysisRecord } from '../store/analyses.js';
import type { Store } from '../store/db.js';

/** Session lifetimes (docs/security.md "Sessions"). */
export interface SessionPolicy {
  /** A session unused for this long ends. */
  idleSeconds: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteSeconds: number;
}

/** How this instance notifies, from its configuration (docs/operations.md "Notifications"). */
export interface NotifyConfig {
  /** ORGTOKEN_SMTP_URL is set: emailed events get a delivery per recipient. */
  email: boolean;
  /** ORGTOKEN_WEBHOOK_ALLOW_INSECURE. */
  allowInsecureWebhooks: boolean;
}

/** What every service works with; built once in app.ts, injected, never imported. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  passwords: PasswordHasher;
  sessions: SessionPolicy;
  invalidate: TokenInvalidation;
  limits: RateLimits;
  notify: NotifyConfig;
  /** Verifies CI identity tokens against their issuers (runtime/oidc-issuers.ts). */
  oidc: CiTokenVerifier;
  /** Verifies GitHub secret scanning's signatures (runtime/github-keys.ts). */
  githubKeys: SignatureVerifier;
  /**
   * Writes a small upload: with those that finish with it on SQLite (runtime/write-batches.ts),
   * in one statement of its own on PostgreSQL.
   */
  analysisWrites: { write(record: AnalysisRecord): Promise<void> };
}

export interface SignatureVerifier {
  verify(
    rawBody: Buffer,
    headers: { keyIdentifier: string | undefined; signature: string | undefined },
  ): Promise<{ ok: true } | { ok: false; reason: string; unavailable?: true }>;
}

export interface CiTokenVerifier {
  verify(jwt: string, expected: OidcExpectation): Promise<OidcVerification>;
  /** ORGTOKEN_OIDC_INSECURE_ISSUERS: issuers that may be served over http. */
  readonly insecureIssuers: readonly string[];
}

export function isoNow(deps: { clock: Clock }): string {
  return deps.clock.now().toISOString();
}
