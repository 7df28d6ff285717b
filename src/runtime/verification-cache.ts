import type { Actor } from '../domain/actors.js';

/**
 * Evicts cached token verifications when something that decides validity changes; every
 * service that makes such a change calls it in the same request.
 */
export interface TokenInvalidation {
  token(tokenId: string): void;
  org(orgId: string): void;
  user(userId: string): void;
}

/**
 * A token look-up prepared for verification: parsed once on a cache miss, so that a hit
 * costs no store query and no JSON parsing.
 */
export interface CachedToken {
  tokenId: string;
  name: string;
  kind: 'organization' | 'personal' | 'ephemeral';
  orgId: string | null;
  userId: string | null;
  /**
   * Whether the organization's plan (at look-up time) lets this token authenticate:
   * organization tokens need the team plan, ephemeral ones the enterprise plan.
   */
  planAllowsOrgTokens: boolean;
  /** The current digest as a cache key (tokenDigestKey); a look-up by another key found the previous one. */
  digestKey: string;
  /** Epoch ms until which the previous secret is accepted; null when there is none. */
  previousValidUntilMs: number | null;
  /**
   * The previous secret also ends at the first successful use of the current one
   * (graceUntilFirstUse), which the verifier then records.
   */
  previousUntilFirstUse: boolean;
  revoked: boolean;
  expiresAt: string | null;
  expiresAtMs: number | null;
  allowedCidrs: string[];
  /** For personal access tokens: whether the owner is active. */
  ownerActive: boolean;
  /** Who acts when this token is valid. */
  actor: Actor;
}

/**
 * A cached verification lives at most this long, whatever else happens (docs/security.md
 * "Verification cache and revocation").
 */
export const maxEntryAgeMs = 30_000;

interface Entry {
  value: CachedToken;
  storedAt: number;
}

/**
 * A bounded cache of token look-ups keyed by secret digest, oldest evicted first. A hit costs no store query. Every
 * change that decides validity evicts at once in this process (TokenInvalidation); entries
 * also die after 30 s, which bounds how long another instance's change can go unseen.
 */
export class VerificationCache implements TokenInvalidation {
  private readonly entries = new Map<string, Entry>();
  /** Moves on every eviction: a look-up that started before one must not be cached. */
  private evictions = 0;

  get generation(): number {
    return this.evictions;
  }

  constructor(
    /** How many verifications it holds (ORGTOKEN_TOKEN_CACHE_SIZE; the default is in config.ts). */
    private readonly maxEntries: number,
    private readonly maxAgeMs = maxEntryAgeMs,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The fresh entry for `digest`, or undefined. A hit only reads: entries are kept in
   * insertion order, which is also age order, since every entry dies at 30 s and comes back
   * as a new insertion. Evicting the oldest under pressure therefore drops the entry closest
   * to expiry anyway, and a hit needs no bookkeeping write.
   */
  get(digest: string, nowMs: number): CachedToken | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (nowMs - entry.storedAt >= this.maxAgeMs || nowMs < entry.storedAt) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Caches a look-up, unless something was evicted since `generation` was read: the store
   * read may then predate the change that caused the eviction.
   */
  set(digest: string, value: CachedToken, nowMs: number, generation = this.evictions): void {
    if (generation !== this.evictions || this.maxEntries === 0) return;
    this.entries.delete(digest);
    this.entries.set(digest, { value, storedAt: nowMs });
    while (this.entries.size > this.maxEntries) {
      // Map iterates in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  // Evictions walk the entries: they follow rare administrative changes, never requests.
  private evictWhere(match: (value: CachedToken) => boolean): void {
    this.evictions += 1;
    for (const [digest, entry] of this.entries) {
      if (match(entry.value)) this.entries.delete(digest);
    }
  }

  token(tokenId: string): void {
    this.evictWhere((value) => value.tokenId === tokenId);
  }

  org(orgId: string): void {
    this.evictWhere((value) => value.orgId === orgId);
  }

  user(userId: string): void {
    this.evictWhere((value) => value.userId === userId);
  }

  clear(): void {
    this.evictions += 1;
    this.entries.clear();
  }
}
