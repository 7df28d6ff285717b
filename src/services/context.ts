import type { Clock } from '../domain/clock.js';
import type { PasswordHasher } from '../domain/passwords.js';
import type { OidcExpectation, OidcVerification } from '../runtime/oidc-issuers.js';
import type { RateLimits } from '../runtime/rate-limits.js';
import type { TokenInvalidation } from '../runtime/verification-cache.js';
import type { WriteBatches } from '../runtime/write-batches.js';
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
  /** Writes small uploads, those that finish together at once (runtime/write-batches.ts). */
  analysisWrites: WriteBatches<AnalysisRecord>;
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
