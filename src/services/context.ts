import type { Clock } from '../domain/clock.js';
import type { PasswordHasher } from '../domain/passwords.js';
import type { Permission } from '../domain/permissions.js';
import type { ProjectScope } from '../domain/project-scope.js';
import type { Store } from '../store/db.js';
import type { RateLimits } from './rate-limits.js';

/** Session lifetimes (docs/security.md "Sessions"). */
export interface SessionPolicy {
  /** A session unused for this long ends. */
  idleSeconds: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteSeconds: number;
}

/**
 * Evicts cached token verifications when something that decides validity changes; every
 * service that makes such a change calls it in the same request.
 */
export interface TokenInvalidation {
  token(tokenId: string): void;
  org(orgId: string): void;
  user(userId: string): void;
}

/** Counters the services report to; /metrics exposes them. */
export interface Telemetry {
  authentication(result: string): void;
  cacheLookup(hit: boolean): void;
  usageFlush(tokens: number): void;
}

/** What every service works with; built once in app.ts, injected, never imported. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  passwords: PasswordHasher;
  sessions: SessionPolicy;
  invalidate: TokenInvalidation;
  limits: RateLimits;
}

/** A person: signed in with a session, or acting through one of its personal access tokens. */
export interface UserActor {
  type: 'user';
  id: string;
  email: string;
  name: string;
  instanceAdmin: boolean;
  /** A session cookie, a password sent with the request (SonarQube-compatible API), or a PAT. */
  via: 'session' | 'password' | 'personal_access_token';
  /** Set when a narrowed personal access token acts: the user, but never beyond this. */
  narrowed?: Narrowing | undefined;
}

/**
 * What a narrowed personal access token limits its user to. It only ever takes rights
 * away: the user's own role and membership are checked as for any request.
 */
export interface Narrowing {
  /** The permissions it may use; null: all of the user's rights. */
  permissions: Permission[] | null;
  /** The one organization it may act in, with a project scope there; null: any of the user's. */
  org: { id: string; projects: ProjectScope } | null;
}

/** An organization token: acts only in its organization, within its permissions and scope. */
export interface OrgTokenActor {
  type: 'organization_token';
  id: string;
  name: string;
  orgId: string;
  orgKey: string;
  permissions: Permission[];
  projects: ProjectScope;
}

/** Who is making a request. */
export type Actor = UserActor | OrgTokenActor;

/** Where a request came from, for the audit trail. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export function isoNow(deps: { clock: Clock }): string {
  return deps.clock.now().toISOString();
}
