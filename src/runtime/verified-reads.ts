import type { OrgTokenActor } from '../domain/actors.js';
import type { ProjectRow } from '../store/projects.js';

/** Projects remembered per verification at most: a pipeline's token reads one or two. */
const maxProjects = 4;

// Actors the verifier built, each standing for one cached verification of an organization
// token, and what each has read. Weak: they go with the verification.
const verified = new WeakSet<OrgTokenActor>();
const projectsRead = new WeakMap<OrgTokenActor, Map<string, ProjectRow>>();

/**
 * Marks `actor` as the actor of one verification (the verifier calls it for every one it
 * prepares), so that the projects it reads may be remembered with it. An actor built any
 * other way never has anything remembered.
 */
export function markVerified(actor: OrgTokenActor): void {
  verified.add(actor);
}

/**
 * The project with key `key` that this verification's token already read, if any. It ends
 * with the verification: every eviction of the verification cache (a token, organization or
 * user event, here or from another instance; the invalidation listener reconnecting; the
 * 30 s age; pressure) makes the token's next request verify anew, with a new actor that has
 * read nothing. A project's deletion and rename evict its organization's verifications for
 * this reason (services/projects.ts; docs/security.md "Verification cache and revocation").
 * Only found projects are remembered: a project created later is found at once.
 */
export function projectReadBy(actor: OrgTokenActor, key: string): ProjectRow | undefined {
  return projectsRead.get(actor)?.get(key);
}

/** Remembers `row`, read from the store by `actor`'s token, for its next reads. */
export function rememberProjectRead(actor: OrgTokenActor, row: ProjectRow): void {
  if (!verified.has(actor) || row.org_id !== actor.orgId) return;
  let rows = projectsRead.get(actor);
  if (!rows) {
    rows = new Map();
    projectsRead.set(actor, rows);
  }
  if (rows.size >= maxProjects && !rows.has(row.key)) {
    const oldest = rows.keys().next().value;
    if (oldest !== undefined) rows.delete(oldest);
  }
  rows.set(row.key, row);
}
