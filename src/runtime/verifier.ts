import type { MintedBy, Narrowing, RequestMeta } from '../domain/actors.js';
import { ipAllowed, limitedAddress } from '../domain/cidr.js';
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
import { endGraceAtFirstUse, findSupersededSecret } from '../store/superseded-secrets.js';
import { findTokenForAuth, type TokenForAuth } from '../store/tokens.js';
import { countUnlessBlocked, type FailureCounter, type RecentDigests } from './rate-limits.js';
import type { Telemetry } from './telemetry.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { CachedToken, TokenInvalidation, VerificationCache } from './verification-cache.js';
import { markVerified } from './verified-reads.js';

export type DenialCode =
  | 'RATE_LIMITED'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REVOKED'
  | 'TOKEN_ROTATED'
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
// A rotated-out secret's use is handed to its record at most once per token in this window
// from one instance; the record itself keeps to one an hour across instances.
const supersededSampleMs = 60_000;
// Bounds the per-token maps of this instance; past it they start afresh.
const maxTrackedTokens = 10_000;

/**
 * A rotated-out secret presented after its grace, for its sampled record
 * (token.superseded_secret_used, docs/security.md "Rotation, revocation and expiry").
 */
export interface SupersededUse {
  tokenId: string;
  /** The token's name as this instance knows it (the audit event's actor). */
  tokenName: string;
  /** The presented secret's digest, hex: its row in superseded_secrets. */
  digest: string;
  meta: RequestMeta;
  atMs: number;
}

/** What a denial's audit event names of the token refused. */
type DeniedToken = Pick<CachedToken, 'tokenId' | 'name' | 'kind' | 'orgId'>;

function partyType(
  kind: CachedToken['kind'],
): 'organization_token' | 'personal_access_token' | 'ephemeral_token' {
  if (kind === 'ephemeral') return 'ephemeral_token';
  return kind === 'organization' ? 'organization_token' : 'personal_access_token';
}

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

function kindOf(stored: string): CachedToken['kind'] {
  if (stored === 'organization' || stored === 'ephemeral') return stored;
  return 'personal';
}

/** The plan feature an organization's token of this kind needs to authenticate. */
function planFeatureOf(kind: CachedToken['kind']): 'organizationTokens' | 'workloadIdentity' {
  return kind === 'ephemeral' ? 'workloadIdentity' : 'organizationTokens';
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
  const kind = kindOf(token.kind);
  const orgId = token.org_id === null ? null : shared.string(token.org_id);
  const actor: CachedToken['actor'] =
    kind !== 'personal'
      ? {
          type: 'organization_token',
          id: token.id,
          name: token.name,
          orgId: orgId ?? '',
          orgKey: org ? shared.string(org.key) : '',
          permissions: shared.json<Permission[]>(token.permissions),
          projects: shared.json<ProjectScope>(token.projects),
          minted:
            kind === 'ephemeral' && token.ci_context !== null
              ? (JSON.parse(token.ci_context) as MintedBy)
              : undefined,
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
    planAllowsOrgTokens: org !== null && planHasFeature(org.plan as Plan, planFeatureOf(kind)),
    digestKey: token.digest === presented.hex ? presented.key : digestKey(token.digest),
    previousValidUntilMs: token.previous_valid_until
      ? Date.parse(token.previous_valid_until)
      : null,
    previousUntilFirstUse: token.previous_until_first_use === 1,
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
 * (cached; a hit skips recomputing the checksum, see verify), revoked, a rotated-out secret past its grace, expired, organization plan,
 * source address. Permission and project scope are checked where the request names its project. A store failure throws, so the
 * request fails closed (503) and never succeeds without the store.
 */
export class TokenVerifier {
  private readonly lastDenialAudit = new Map<string, number>();
  private readonly lastSupersededNotice = new Map<string, number>();
  /**
   * Token id → the digest key of the current secret whose first use ended the previous
   * secret's grace here: set at that use, before the store says so, so that this instance
   * refuses the previous secret at once, cached or not; also what keeps the store update to
   * one per token.
   */
  private readonly graceEndedBy = new Map<string, string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly shared = new SharedValues();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      cache: VerificationCache;
      usage: UsageRecorder;
      telemetry: Telemetry;
      /** Failed authentications per client address (in memory, or shared in Redis). */
      failures: FailureCounter;
      /** Digests recently looked up and not found. */
      unknown: RecentDigests;
      /** Evicts a token's verifications on every instance; without it, in this cache only. */
      invalidate?: TokenInvalidation;
      /** Records a use of a rotated-out secret (sampled per token per minute here). */
      onSupersededUse?: (use: SupersededUse) => Promise<unknown>;
      onError?: (error: unknown) => void;
    },
  ) {}

  /**
   * Resolves once the writes that verifications started off the request path (denial audits,
   * grace ends, superseded-secret records) have ended, those started meanwhile included.
   */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Runs `work` without the request waiting for it; a failure goes to onError. */
  private offPath(work: Promise<unknown>): void {
    const tracked: Promise<unknown> = work
      .catch((error: unknown) => this.deps.onError?.(error))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /**
   * A cache hit is answered synchronously, with no store query and no promise; a miss reads
   * the store. Callers await the result either way.
   */
  verify(secret: string, meta: RequestMeta): Verification | Promise<Verification> {
    const nowMs = this.deps.clock.nowMs();
    // Only a string of a token's length and prefix is hashed.
    const kind = tokenShape(secret);
    if (kind === null) return this.deny('TOKEN_INVALID', null, meta);
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
    // A secret this instance already looked up in vain, from an address it knows to be past
    // its limit, is refused without asking the store again.
    if (this.deps.unknown.has(key, nowMs) && this.knownBlocked(meta, nowMs)) {
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
      return this.missed(kind, hex, nowMs, meta);
    }
    const token = prepare(found, { key, hex }, this.shared);
    this.deps.cache.set(key, token, nowMs, generation);
    return this.check(token, kind, key, nowMs, meta);
  }

  /**
   * A digest that is neither a current nor a previous secret. One that a rotation replaced
   * is TOKEN_ROTATED (TOKEN_REVOKED once its token is revoked, as for a previous secret), so
   * that whoever still sends it learns to take the new one; anything else is TOKEN_INVALID.
   * superseded_secrets is read only here: never for a secret that works, cached or not.
   */
  private async missed(
    kind: TokenKind,
    hex: string,
    nowMs: number,
    meta: RequestMeta,
  ): Promise<Verification> {
    // An address past its limit is refused anyway: the second look-up would be wasted on it.
    if (this.knownBlocked(meta, nowMs)) return this.deny('TOKEN_INVALID', null, meta);
    const superseded = await findSupersededSecret(this.deps.store.db, hex);
    if (!superseded || superseded.kind !== kind) return this.deny('TOKEN_INVALID', null, meta);
    if (superseded.revoked) {
      const { tokenId, name, orgId } = superseded;
      const denied: DeniedToken = {
        tokenId,
        name,
        orgId,
        kind,
      };
      return this.deny('TOKEN_REVOKED', denied, meta);
    }
    this.noticeSuperseded(superseded, hex, nowMs, meta);
    return this.deny('TOKEN_ROTATED', null, meta);
  }

  /**
   * Whether this instance knows, without asking Redis, that the request's address is past its
   * limit: then a store look-up would be wasted, since deny answers 429 anyway.
   */
  private knownBlocked(meta: RequestMeta, nowMs: number): boolean {
    return this.deps.failures.knownBlockedFor(limitedAddress(meta.ip), nowMs) > 0;
  }

  private check(
    token: CachedToken,
    kind: TokenKind,
    key: string,
    nowMs: number,
    meta: RequestMeta,
  ): Verification | Promise<Verification> {
    if (token.kind !== kind) return this.deny('TOKEN_INVALID', null, meta);
    if (token.revoked) return this.deny('TOKEN_REVOKED', token, meta);
    if (key !== token.digestKey && !this.previousInGrace(token, nowMs)) {
      // The secret replaced by the last rotation, past its grace period.
      this.noticeSuperseded(token, digestHex(key), nowMs, meta);
      return this.deny('TOKEN_ROTATED', null, meta);
    }
    if (token.expiresAtMs !== null && nowMs >= token.expiresAtMs) {
      return this.deny('TOKEN_EXPIRED', token, meta);
    }
    if (token.kind !== 'personal') {
      if (!token.planAllowsOrgTokens) {
        const message = planRequiredMessage(planFeatureOf(token.kind));
        return this.deny('PLAN_REQUIRED', token, meta, message);
      }
      if (token.allowedCidrs.length > 0 && !(meta.ip && ipAllowed(meta.ip, token.allowedCidrs))) {
        return this.deny('IP_NOT_ALLOWED', token, meta);
      }
    } else if (!token.ownerActive) {
      return this.deny('TOKEN_INVALID', null, meta);
    }

    if (token.previousUntilFirstUse && key === token.digestKey) {
      this.endPreviousGrace(token, nowMs, meta);
    }
    this.deps.usage.record(token.tokenId, nowMs, meta.ip, meta.userAgent);
    this.deps.telemetry.authentication('ok');
    return { ok: true, token };
  }

  /** Whether the token's previous secret is still accepted (a look-up by it found the token). */
  private previousInGrace(token: CachedToken, nowMs: number): boolean {
    if (token.previousValidUntilMs === null || nowMs >= token.previousValidUntilMs) return false;
    return this.graceEndedBy.get(token.tokenId) !== token.digestKey;
  }

  /**
   * The first successful use of a secret whose rotation kept the previous one until then
   * (graceUntilFirstUse): off the request path, ends that grace in the store (one conditional
   * update, so one instance ends it and records token.grace_ended), then evicts the token on
   * every instance, so that a cached verification of the previous secret is not served again.
   * This instance refuses the previous secret from this moment on. A failed write forgets the
   * end here, and the next use tries again.
   */
  private endPreviousGrace(token: CachedToken, nowMs: number, meta: RequestMeta): void {
    if (!this.previousInGrace(token, nowMs)) return;
    if (this.graceEndedBy.size >= maxTrackedTokens) this.graceEndedBy.clear();
    this.graceEndedBy.set(token.tokenId, token.digestKey);
    const at = new Date(nowMs).toISOString();
    const party = { type: partyType(token.kind), id: token.tokenId, name: token.name };
    const ending = this.deps.store.db.transaction().execute(async (db) => {
      const use = { tokenId: token.tokenId, digest: digestHex(token.digestKey), at };
      if (!(await endGraceAtFirstUse(db, use))) return false;
      await recordAudit(db, {
        orgId: token.orgId,
        at,
        action: 'token.grace_ended',
        actor: party,
        target: party,
        meta,
        details: { previousValidUntil: at },
      });
      return true;
    });
    this.offPath(
      ending.then(
        (ended) => {
          if (ended) (this.deps.invalidate ?? this.deps.cache).token(token.tokenId);
        },
        (error: unknown) => {
          if (this.graceEndedBy.get(token.tokenId) === token.digestKey) {
            this.graceEndedBy.delete(token.tokenId);
          }
          throw error;
        },
      ),
    );
  }

  /** Hands a rotated-out secret's use to its record, at most once per token a minute from here. */
  private noticeSuperseded(
    token: { tokenId: string; name: string },
    digest: string,
    nowMs: number,
    meta: RequestMeta,
  ): void {
    const record = this.deps.onSupersededUse;
    if (!record) return;
    const last = this.lastSupersededNotice.get(token.tokenId);
    if (last !== undefined && nowMs - last < supersededSampleMs) return;
    if (this.lastSupersededNotice.size >= maxTrackedTokens) this.lastSupersededNotice.clear();
    this.lastSupersededNotice.set(token.tokenId, nowMs);
    const use = { tokenId: token.tokenId, tokenName: token.name, digest, meta, atMs: nowMs };
    this.offPath(record(use));
  }

  /**
   * A refusal. Credentials that do not work count towards their address's limit; past it,
   * they are answered RATE_LIMITED instead (which tells a guesser nothing more). The answer
   * comes from the count the failure itself produced (one atomic increment, shared by every
   * instance with Redis), or, for an address this instance already saw past its limit, from
   * that knowledge: the count only grows until its window ends. Synchronous in memory; with
   * Redis, the one round trip. A valid token refused for its plan or address (403) neither
   * counts nor is rate limited.
   */
  private deny(
    code: DenialCode,
    token: DeniedToken | null,
    meta: RequestMeta,
    message?: string,
  ): Verification | Promise<Verification> {
    if (token) this.auditDenial(code, token, meta);
    if (!code.startsWith('TOKEN_')) return this.refusal(code, 0, message);
    const wait = countUnlessBlocked(
      this.deps.failures,
      limitedAddress(meta.ip),
      this.deps.clock.nowMs(),
    );
    return typeof wait === 'number'
      ? this.refusal(code, wait, message)
      : wait.then((seconds) => this.refusal(code, seconds, message));
  }

  /** The refusal `code`, or RATE_LIMITED while the address must wait `wait` seconds. */
  private refusal(code: DenialCode, wait: number, message: string | undefined): Verification {
    if (wait > 0) {
      this.deps.telemetry.authentication('RATE_LIMITED');
      return { ok: false, code: 'RATE_LIMITED', retryAfterSeconds: wait };
    }
    this.deps.telemetry.authentication(code);
    return message === undefined ? { ok: false, code } : { ok: false, code, message };
  }

  /** Records token.auth_denied, sampled, off the request path. */
  private auditDenial(code: DenialCode, token: DeniedToken, meta: RequestMeta): void {
    const key = `${token.tokenId}:${code}`;
    const nowMs = this.deps.clock.nowMs();
    const last = this.lastDenialAudit.get(key);
    if (last !== undefined && nowMs - last < denialSampleMs) return;
    if (this.lastDenialAudit.size > maxTrackedTokens) this.lastDenialAudit.clear();
    this.lastDenialAudit.set(key, nowMs);
    const party = { type: partyType(token.kind), id: token.tokenId, name: token.name };
    this.offPath(
      recordAudit(this.deps.store.db, {
        orgId: token.orgId,
        at: new Date(nowMs).toISOString(),
        action: 'token.auth_denied',
        actor: party,
        target: party,
        meta,
        details: { code },
      }),
    );
  }
}
