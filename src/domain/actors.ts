import type { Permission } from './permissions.js';
import type { ProjectScope } from './project-scope.js';

// Who makes a request, and from where: what every layer passes along, defined once here so
// that services, the runtime and the HTTP layer share it without importing each other.

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
  /**
   * Set for an ephemeral (ote_) token, minted from a CI's identity under a trust policy
   * (SPEC §12): it acts exactly like an organization token with the policy's permissions and
   * scope, and is recorded as an ephemeral token, with the policy and the run.
   */
  minted?: MintedBy | undefined;
}

/** The trust policy and the CI run an ephemeral token was minted for. */
export interface MintedBy {
  policy: { id: string | null; name: string };
  run: CiRun;
}

/** What a CI's identity token said of its run; absent claims are null. */
export interface CiRun {
  issuer: string;
  subject: string;
  repository: string | null;
  ref: string | null;
  runId: string | null;
}

/** How the audit log and an analysis name who acted. */
export function partyOf<P extends { type: string; id: string | null; name: string }>(
  actor: P & { minted?: MintedBy | undefined },
): { type: string; id: string | null; name: string } {
  return actor.minted
    ? { type: 'ephemeral_token', id: actor.id, name: actor.name }
    : { type: actor.type, id: actor.id, name: actor.name };
}

/** Who is making a request. */
export type Actor = UserActor | OrgTokenActor;

/** Where a request came from, for the audit trail. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/** Who calls a use case and from where: the first thing every service is given. */
export interface Caller {
  actor: Actor;
  meta: RequestMeta;
}
