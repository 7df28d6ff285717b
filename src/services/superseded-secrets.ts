import { oneLine } from '../domain/notice-mail.js';
import type { SupersededUse } from '../runtime/verifier.js';
import { claimSupersededNotice } from '../store/superseded-secrets.js';
import { audited, targetOf } from './audited.js';
import type { ServiceDeps } from './context.js';
import { emitEvent } from './notifications.js';

/** A token's rotated-out secrets are recorded in use at most once in this window. */
export const supersededNoticeIntervalMs = 3600 * 1000;

/**
 * Records that a rotated-out secret was presented (TOKEN_ROTATED): the audit event
 * token.superseded_secret_used and its notification, in one transaction, at most once per
 * token an hour across instances (docs/security.md "Rotation, revocation and expiry"). A
 * pipeline that still sends the old secret is told to its owners; the token itself, and its
 * current secret, are left as they are. True when this call recorded it. The verifier calls
 * it off the request path (TokenVerifier's onSupersededUse).
 */
export async function recordSupersededUse(
  deps: Pick<ServiceDeps, 'store' | 'clock' | 'notify'>,
  use: SupersededUse,
): Promise<boolean> {
  const at = new Date(use.atMs).toISOString();
  const since = new Date(use.atMs - supersededNoticeIntervalMs).toISOString();
  // The one who presented the secret is known only as the token it belonged to.
  const actor = { type: 'organization_token', id: use.tokenId, name: use.tokenName };
  return audited(deps, { actor, meta: use.meta, at }, async (tx) => {
    const notice = await claimSupersededNotice(tx.db, {
      tokenId: use.tokenId,
      digest: use.digest,
      at,
      since,
    });
    if (!notice) return false;
    await tx.record({
      orgId: notice.org.id,
      action: 'token.superseded_secret_used',
      target: targetOf.orgToken(notice.token),
      details: { supersededAt: notice.supersededAt },
    });
    await emitEvent(tx.db, deps.notify, {
      org: notice.org,
      type: 'token.superseded_secret_used',
      token: notice.token,
      // Whoever holds the old secret chooses the user agent: it reaches receivers cut short.
      data: {
        ip: use.meta.ip,
        userAgent: use.meta.userAgent === null ? null : oneLine(use.meta.userAgent, 200),
        supersededAt: notice.supersededAt,
      },
      at,
    });
    return true;
  });
}
