import type { Clock } from '../domain/clock.js';
import type { PasswordHasher } from '../domain/passwords.js';
import type { Store } from '../store/db.js';

/** Session lifetimes (SPEC.md §3 "Sessions"). */
export interface SessionPolicy {
  /** A session unused for this long ends. */
  idleSeconds: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteSeconds: number;
}

/** What every service works with; built once in app.ts, injected, never imported. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  passwords: PasswordHasher;
  sessions: SessionPolicy;
}

/** A signed-in person acting through a session. */
export interface UserActor {
  type: 'user';
  id: string;
  email: string;
  name: string;
  instanceAdmin: boolean;
}

/** Who is making a request; more kinds (organization tokens) join with the token issue. */
export type Actor = UserActor;

/** Where a request came from, for the audit trail. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export function isoNow(deps: { clock: Clock }): string {
  return deps.clock.now().toISOString();
}
