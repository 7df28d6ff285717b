import type { GithubLabels, LeakResponse } from '../contract/leaks.js';
import type { Caller, RequestMeta } from '../domain/actors.js';
import { tokenDigest } from '../domain/token-format.js';
import {
  findLeakResponse,
  type LeakedToken,
  markLeaked,
  tokensByDigest,
  updateLeakResponse,
} from '../store/leaks.js';
import { adminAccess } from './access.js';
import { type AuditedWrite, audited, targetOf } from './audited.js';
import type { ServiceDeps } from './context.js';
import { emitEvent } from './notifications.js';
import type { OrgRef } from './refs.js';

/** Where a leak was reported from. */
export type LeakSource = 'github' | 'public';

export interface ReportedString {
  secret: string;
  /** Where it was found (a URL GitHub gives), null when unknown. */
  url: string | null;
}

const reporters: Record<LeakSource, string> = {
  github: 'GitHub secret scanning',
  public: 'public revocation request',
};

function isLive(token: LeakedToken, nowIso: string): boolean {
  return token.revoked_at === null && (token.expires_at === null || token.expires_at > nowIso);
}

/**
 * Acts on strings reported as leaked (SPEC §11): every string is hashed and all are looked up
 * in one query, so the work per string is the same whether or not it is a token. Each live
 * token among them is marked leaked and, unless its organization's leak response is
 * `notify`, revoked at once on every instance; `token.leaked` is audited and notified in the
 * same transaction. Returns, per string in order, whether it was a live token.
 */
export async function reportLeaks(
  deps: ServiceDeps,
  meta: RequestMeta,
  source: LeakSource,
  reported: ReportedString[],
): Promise<boolean[]> {
  const digests = reported.map((r) => tokenDigest(r.secret));
  const nowIso = deps.clock.now().toISOString();
  // A secret a rotation replaced, while its grace lasts, works: reported, it is a leak too.
  const found = new Map<string, LeakedToken>();
  for (const token of await tokensByDigest(deps.store.db, [...new Set(digests)])) {
    found.set(token.digest, token);
    const inGrace = token.previous_valid_until !== null && token.previous_valid_until > nowIso;
    if (token.previous_digest !== null && inGrace) found.set(token.previous_digest, token);
  }
  const live: boolean[] = [];
  const leaked = new Map<string, { token: LeakedToken; url: string | null }>();
  for (const [index, digest] of digests.entries()) {
    const token = found.get(digest);
    const ok = token !== undefined && isLive(token, nowIso);
    live.push(ok);
    if (ok && !leaked.has(token.id))
      leaked.set(token.id, { token, url: reported[index]?.url ?? null });
  }
  // One transaction whatever was found, none or many: the work of a report depends on its
  // size, hardly on how many of its strings were tokens.
  const by = reporters[source];
  const revoked = await audited(
    deps,
    { actor: { type: 'system', id: null, name: by }, meta },
    async (tx) => {
      const ids: string[] = [];
      for (const { token, url } of leaked.values()) {
        if (await actOnLeak(tx, deps, source, token, url)) ids.push(token.id);
      }
      return ids;
    },
  );
  for (const id of revoked) deps.invalidate.token(id);
  return live;
}

function auditTypeOf(kind: string) {
  if (kind === 'personal') return 'personal_access_token' as const;
  return kind === 'ephemeral' ? ('ephemeral_token' as const) : ('organization_token' as const);
}

/** Marks one live token leaked and acts as its organization says; true when it was revoked. */
async function actOnLeak(
  tx: AuditedWrite,
  deps: ServiceDeps,
  source: LeakSource,
  token: LeakedToken,
  url: string | null,
): Promise<boolean> {
  // A personal access token has no organization to ask: it is revoked.
  const action = token.org?.leak_response === 'notify' ? 'notify' : 'revoke';
  const firstReport = token.leaked_at === null;
  const marked = await markLeaked(tx.db, token.id, {
    at: tx.at,
    source,
    url,
    revoke: action === 'revoke',
    by: reporters[source],
  });
  // Reported again while only notified: nothing new to tell.
  if (!marked || (action === 'notify' && !firstReport)) return false;
  const type = auditTypeOf(token.kind);
  await tx.record({
    orgId: token.org?.id ?? null,
    action: 'token.leaked',
    target: { type, id: token.id, name: token.name },
    details: { source, url, action },
  });
  if (token.org) {
    const leakedAt = token.leaked_at ?? tx.at;
    const after =
      action === 'revoke'
        ? { ...token, revoked_at: tx.at, leaked_at: leakedAt }
        : { ...token, leaked_at: leakedAt };
    await emitEvent(tx.db, deps.notify, {
      org: token.org,
      type: 'token.leaked',
      token: after,
      data: { source, url, action },
      at: tx.at,
    });
  }
  return action === 'revoke';
}

/** GitHub's labels for a report: one per reported match, by the SHA-256 of what it sent. */
export function githubLabels(
  matches: Array<{ token: string; type: string }>,
  live: boolean[],
): GithubLabels {
  return matches.map((match, index) => ({
    token_hash: tokenDigest(match.token),
    token_type: match.type,
    label: live[index] ? 'true_positive' : 'false_positive',
  }));
}

export async function getLeakResponse(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
): Promise<LeakResponse> {
  const access = await adminAccess(deps, caller.actor, ref);
  const action = await findLeakResponse(deps.store.db, access.org.id);
  return { action: action === 'notify' ? 'notify' : 'revoke' };
}

export async function putLeakResponse(
  deps: ServiceDeps,
  caller: Caller,
  ref: OrgRef,
  input: LeakResponse,
): Promise<LeakResponse> {
  const access = await adminAccess(deps, caller.actor, ref);
  const before = await getLeakResponse(deps, caller, ref);
  if (before.action === input.action) return before;
  await audited(deps, caller, async (tx) => {
    await updateLeakResponse(tx.db, access.org.id, input.action, tx.at);
    await tx.record({
      orgId: access.org.id,
      action: 'org.updated',
      target: targetOf.org(access.org),
      details: { leakResponse: { from: before.action, to: input.action } },
    });
  });
  return input;
}
