import type { Narrowing, RequestMeta } from '../domain/actors.js';
import { ipAllowed } from '../domain/cidr.js';
import type { Clock } from '../domain/clock.js';
import type { ErrorCode } from '../domain/errors.js';
import type { Plan } from '../domain/organizations.js';
import type { Permission } from '../domain/permissions.js';
import { planHasFeature, planRequiredMessage } from '../domain/plan-features.js';
import type { ProjectScope } from '../domain/project-scope.js';
import {
  digestHex,
  digestKey,
  parseToken,
  type TokenKind,
  tokenDigestKey,
  tokenShape,
} from '../domain/token-format.js';
import { recordAudit } from '../store/audit.js';
import type { Store } from '../store/db.js';
import { findTokenForAuth, type TokenForAuth } from '../store/tokens.js';
import type { FailureLimiter, RecentDigests } from './rate-limits.js';
import type { Telemetry } from './telemetry.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { CachedToken, VerificationCache } from './verification-cache.js';
import { markVerified } from './verified-reads.js';

export type DenialCode =
  | 'RATE_LIMITED'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REVOKED'
  | 'PLAN_REQUIRED'
  | 'IP_NOT_ALLOWED';

/** Expected denials are values, not exceptions; exceptions mean broken infrastructure. */
export type Verification =
  | { ok: true; token: CachedToken }
  | {
      ok: false;
      code: DenialCode & ErrorCode;
      retryAfterSeconds?: number;
      /** A message for the caller where the catalogue's default says too little. */
      message?: string;
    };

// A denied token is audited at most once per token and code in this window.
const denialSampleMs = 60_000;

/**
 * Values that many cached tokens have in common, held once: an organization's id and key, a
 * permission set, a project scope, an address allowlist. A full verification cache holds
 * 20,000 tokens by default, often of a few organizations with a few distinct scopes; without
 * this it would hold 20,000 copies of each. Parsed values are frozen, since they are shared. Bounded:
 * past `maxValues` it starts afresh (values already cached keep their copies), and texts
 * longer than `maxTextLength` are parsed for the one token, not shared.
 */
export class SharedValues {
  private readonly strings = new Map<string, string>();
  private readonly parsed = new Map<string, unknown>();

  constructor(
    private readonly maxValues = 10_000,
    private readonly maxTextLength = 1024,
  ) {}

  /** The shared copy of `value`. */
  string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= this.maxValues) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }

  /** JSON.parse(text), frozen, shared with every other caller of the same text. */
  json<T>(text: string): T {
    if (text.length > this.maxTextLength) return deepFreeze(JSON.parse(text)) as T;
    let value = this.parsed.get(text);
    if (value === undefined) {
      value = deepFreeze(JSON.parse(text));
      if (this.parsed.size >= this.maxValues) this.parsed.clear();
      this.parsed.set(text, value);
    }
    return value as T;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A personal access token's narrowing, or undefined when it acts with all its user's rights. */
function narrowingOf(token: TokenForAuth['token'], shared: SharedValues): Narrowing | undefined {
  const permissions = shared.json<Permission[]>(token.permissions);
  if (permissions.length === 0 && token.scope_org_id === null) return undefined;
  return {
    permissions: permissions.length > 0 ? permissions : null,
    org:
      token.scope_org_id === null
        ? null
        : {
            id: shared.string(token.scope_org_id),
            projects: shared.json<ProjectScope>(token.projects),
          },
  };
}

/**
 * The cached form of a look-up. It is what a full cache holds 20,000 times, so it shares
 * what it can: the presented digest key (the cache key) stands for the token's current
 * digest when they are equal, and repeated values come from `shared`.
 */
function prepare(
  found: TokenForAuth,
  presented: { key: string; hex: string },
  shared: SharedValues,
): CachedToken {
  const { token, org, user } = found;
  const kind = token.kind === 'organization' ? 'organization' : 'personal';
  const orgId = token.org_id === null ? null : shared.string(token.org_id);
  const actor: CachedToken['actor'] =
    kind === 'organization'
      ? {
          type: 'organization_token',
          id: token.id,
          name: token.name,
          orgId: orgId ?? '',
          orgKey: org ? shared.string(org.key) : '',
          permissions: shared.json<Permission[]>(token.permissions),
          projects: shared.json<ProjectScope>(token.projects),
        }
      : {
          type: 'user',
          id: user ? shared.string(user.id) : '',
          email: user ? shared.string(user.email) : '',
          name: user ? shared.string(user.name) : '',
          instanceAdmin: user?.instance_admin === 1,
          via: 'personal_access_token',
          narrowed: narrowingOf(token, shared),
        };
  if (actor.type === 'organization_token') markVerified(actor);
  // One literal with every field (no spread): V8 keeps such an object in fast mode, and this
  // object is read on every cache hit.
  return {
    tokenId: token.id,
    name: token.name,
    kind,
    orgId,
    userId: token.user_id === null ? null : shared.string(token.user_id),
    planAllowsOrgTokens: org !== null && planHasFeature(org.plan as Plan, 'organizationTokens'),
    digestKey: token.digest === presented.hex ? presented.key : digestKey(token.digest),
    previousValidUntilMs: token.previous_valid_until
      ? Date.parse(token.previous_valid_until)
      : null,
    revoked: token.revoked_at !== null,
    expiresAt: token.expires_at,
    expiresAtMs: token.expires_at ? Date.parse(token.expires_at) : null,
    allowedCidrs: shared.json<string[]>(token.allowed_cidrs),
    ownerActive: user?.active === 1,
    actor,
  };
}

/**
 * Verifies a presented secret in the documented order (docs/security.md "Order of checks"): syntax and checksum, digest look-up
 * (cached; a hit skips recomputing the checksum, see verify), revoked, expired, organization plan, source address. Permission and project
 * scope are checked where the request names its project. A store failure throws, so the
 * request fails closed (503) and never succeeds without the store.
 */
export class TokenVerifier {
  private readonly lastDenialAudit = new Map<string, number>();
  private readonly shared = new SharedValues();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      cache: VerificationCache;
      usage: UsageRecorder;
      telemetry: Telemetry;
      /** Failed authentications per client address. */
      failures: FailureLimiter;
      /** Digests recently looked up and not found. */
      unknown: RecentDigests;
      onError?: (error: unknown) => void;
    },
  ) {}

  /**
   * A cache hit is answered synchronously, with no store query and no promise; a miss reads
   * the store. Callers await the result either way.
   */
  verify(secret: string, meta: RequestMeta): Verification | Promise<Verification> {
    const nowMs = this.deps.clock.nowMs();
    // Only a string of a token's length and prefix is hashed.
    const kind = tokenShape(secret);
    // Ephemeral tokens come with OIDC trust; until then they cannot be valid.
    if (kind === null || kind === 'ephemeral') return this.deny('TOKEN_INVALID', null, meta);
    const key = tokenDigestKey(secret);
    const cached = this.deps.cache.get(key, nowMs);
    if (cached) {
      // The checksum need not be computed again: a digest is only cached after its secret
      // passed the whole syntax check and matched a stored token, so any secret with this
      // digest is that same secret. A cached valid token passes whatever others sent from
      // its address (docs/security.md "Rate limiting").
      this.deps.telemetry.cacheLookup(true);
      return this.check(cached, kind, key, nowMs, meta);
    }
    // The checksum, before any storage lookup: a mistyped or made-up token stops here.
    if (parseToken(secret) !== kind) return this.deny('TOKEN_INVALID', null, meta);
    // A secret this instance already looked up in vain, from an address past its limit, is
    // refused without asking the store again.
    if (this.deps.unknown.has(key, nowMs) && this.blockedFor(meta, nowMs) > 0) {
      return this.deny('TOKEN_INVALID', null, meta);
    }
    this.deps.telemetry.cacheLookup(false);
    return this.lookUp(kind, key, nowMs, meta);
  }

  private async lookUp(
    kind: TokenKind,
    key: string,
    nowMs: number,
    meta: RequestMeta,
  ): Promise<Verification> {
    const generation = this.deps.cache.generation;
    const hex = digestHex(key);
    const found = await findTokenForAuth(this.deps.store.db, hex);
    if (!found) {
      this.deps.unknown.add(key, nowMs);
      return this.deny('TOKEN_INVALID', null, meta);
    }
    const token = prepare(found, { key, hex }, this.shared);
    this.deps.cache.set(key, token, nowMs, generation);
    return this.check(token, kind, key, nowMs, meta);
  }

  /** Seconds the request's address must wait, or 0 while it is under its limit. */
  private blockedFor(meta: RequestMeta, nowMs: number): number {
    return this.deps.failures.retryAfter(meta.ip ?? 'unknown', nowMs);
  }

  private check(
    token: CachedToken,
    kind: TokenKind,
    key: string,
    nowMs: number,
    meta: RequestMeta,
  ): Verification {
    if (token.kind !== kind) return this.deny('TOKEN_INVALID', null, meta);
    if (token.revoked) return this.deny('TOKEN_REVOKED', token, meta);
    if (key !== token.digestKey) {
      // The secret replaced by the last rotation: valid only during its grace period.
      if (token.previousValidUntilMs === null || nowMs >= token.previousValidUntilMs) {
        return this.deny('TOKEN_INVALID', null, meta);
      }
    }
    if (token.expiresAtMs !== null && nowMs >= token.expiresAtMs) {
      return this.deny('TOKEN_EXPIRED', token, meta);
    }
    if (token.kind === 'organization') {
      if (!token.planAllowsOrgTokens) {
        return this.deny('PLAN_REQUIRED', token, meta, planRequiredMessage('organizationTokens'));
      }
      if (token.allowedCidrs.length > 0 && !(meta.ip && ipAllowed(meta.ip, token.allowedCidrs))) {
        return this.deny('IP_NOT_ALLOWED', token, meta);
      }
    } else if (!token.ownerActive) {
      return this.deny('TOKEN_INVALID', null, meta);
    }

    this.deps.usage.record(token.tokenId, nowMs, meta.ip, meta.userAgent);
    this.deps.telemetry.authentication('ok');
    return { ok: true, token };
  }

  /**
   * A refusal. Credentials that do not work count towards their address's limit; past it,
   * they are answered RATE_LIMITED instead (which tells a guesser nothing more). A valid
   * token refused for its plan or address (403) neither counts nor is rate limited.
   */
  private deny(
    code: DenialCode,
    token: CachedToken | null,
    meta: RequestMeta,
    message?: string,
  ): Verification {
    if (token) this.auditDenial(code, token, meta);
    if (code.startsWith('TOKEN_')) {
      const nowMs = this.deps.clock.nowMs();
      const wait = this.blockedFor(meta, nowMs);
      this.deps.failures.fail(meta.ip ?? 'unknown', nowMs);
      if (wait > 0) {
        this.deps.telemetry.authentication('RATE_LIMITED');
        return { ok: false, code: 'RATE_LIMITED', retryAfterSeconds: wait };
      }
    }
    this.deps.telemetry.authentication(code);
    return message === undefined ? { ok: false, code } : { ok: false, code, message };
  }

  /** Records token.auth_denied, sampled, off the request path. */
  private auditDenial(code: DenialCode, token: CachedToken, meta: RequestMeta): void {
    const key = `${token.tokenId}:${code}`;
    const nowMs = this.deps.clock.nowMs();
    const last = this.lastDenialAudit.get(key);
    if (last !== undefined && nowMs - last < denialSampleMs) return;
    if (this.lastDenialAudit.size > 10_000) this.lastDenialAudit.clear();
    this.lastDenialAudit.set(key, nowMs);
    const type = token.kind === 'organization' ? 'organization_token' : 'personal_access_token';
    recordAudit(this.deps.store.db, {
      orgId: token.orgId,
      at: new Date(nowMs).toISOString(),
      action: 'token.auth_denied',
      actor: { type, id: token.tokenId, name: token.name },
      target: { type, id: token.tokenId, name: token.name },
      meta,
      details: { code },
    }).catch((error: unknown) => this.deps.onError?.(error));
  }
}
