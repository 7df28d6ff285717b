import { useCallback, useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import type { OrgToken, WithSecret } from '../api/types.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { useOrg } from '../components/org-layout.js';
import { planNames } from '../components/plan-notice.js';
import { DateTime, RelativeTime } from '../components/time.js';
import { RevokeDialog, RotateDialog } from '../components/token-actions.js';
import {
  ExpiresIn,
  LeakedBadge,
  PersonName,
  SecretReveal,
  Sparkline,
  StaleBadge,
  StatusBadge,
  scopeText,
  untilText,
} from '../components/tokens.js';
import { useGraceEnds } from '../hooks/use-grace-ends.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePeople } from '../hooks/use-people.js';

/**
 * `?rotate=1`, the link of an expiry or stale email (docs/api.md "Notifications"): opens the
 * rotate dialog once the token is in, then leaves the address, so that a reload or Back does
 * not ask again. A revoked token has nothing to rotate; the page says so instead.
 */
function useRotateLink(token: OrgToken | undefined, open: () => void): boolean {
  const [params, setParams] = useSearchParams();
  const asked = params.get('rotate') === '1';
  const [revokedAsked, setRevokedAsked] = useState(false);
  useEffect(() => {
    if (!asked || !token) return;
    if (token.status === 'revoked') setRevokedAsked(true);
    else open();
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.delete('rotate');
        return next;
      },
      { replace: true },
    );
  }, [asked, token, open, setParams]);
  return revokedAsked;
}

/** One token: every attribute, and edit, rotate and revoke. */
export function TokenDetailPage() {
  const { org } = useOrg();
  const { tokenId = '' } = useParams();
  const base = `/orgs/${encodeURIComponent(org.key)}/admin/tokens`;
  const loaded = useLoad(() => api.token(org.key, tokenId), [org.key, tokenId]);
  const [dialog, setDialog] = useState<'rotate' | 'revoke' | null>(null);
  const [rotated, setRotated] = useState<WithSecret<OrgToken> | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const people = usePeople(org.key);
  const graceEnd = useGraceEnds(org.key, rotated).get(tokenId);
  const gate = org.features.organizationTokens;
  const token = loaded.data;
  const openRotate = useCallback(() => setDialog('rotate'), []);
  const rotateRevoked = useRotateLink(token, openRotate);

  usePageTitle(`${loaded.data?.name ?? 'Token'} · ${org.name}`);
  return (
    <section>
      <p className="breadcrumb">
        <Link to={base}>Scoped Organization Tokens</Link>
      </p>
      <ErrorNotice error={loaded.error} />
      {!token ? (
        !loaded.error && <Loading what="the token" />
      ) : (
        <>
          <div className="page-head">
            <h1>
              {token.name} <StatusBadge status={token.status} restoredBy={gate.plan} />
              {token.stale && <StaleBadge />}
              {token.leakedAt && <LeakedBadge />}
            </h1>
            {token.status !== 'revoked' && (
              <div className="actions">
                <Link className="button" to={`${base}/${token.id}/edit`}>
                  Edit projects
                </Link>
                <Button className="button" onPress={() => setDialog('rotate')}>
                  Rotate…
                </Button>
                <Button className="button button-danger" onPress={() => setDialog('revoke')}>
                  Revoke…
                </Button>
              </div>
            )}
          </div>
          {token.status === 'suspended' && (
            <div className="notice notice-warning" role="note">
              <p>
                <strong>Every pipeline using this token is refused.</strong> {gate.message}{' '}
                {org.name} is on the {planNames[org.plan]} plan; once it is on the{' '}
                {planNames[gate.plan]} plan again, this secret works with the next request.
              </p>
            </div>
          )}
          {rotateRevoked && (
            <p className="notice" role="note">
              This token is revoked, so there is nothing to rotate: create a new token for the
              pipeline instead.
            </p>
          )}
          {token.leakedAt && token.leak && (
            <p className="notice" role="note">
              <strong>Leaked:</strong> reported{' '}
              {token.leak.source === 'github'
                ? 'by GitHub secret scanning'
                : 'through the public revocation endpoint'}{' '}
              <DateTime at={token.leakedAt} />
              {token.leak.url && (
                <>
                  {' '}
                  — found at <span className="mono">{token.leak.url}</span>
                </>
              )}
              .{' '}
              {token.status === 'revoked'
                ? 'It was revoked; create a new token for the pipeline.'
                : "The organization's leak response only notifies: rotate or revoke it now."}
            </p>
          )}
          {token.stale && (
            <p className="notice" role="note">
              <strong>Stale:</strong> this token has not been used for the period set under{' '}
              <Link to={`/orgs/${encodeURIComponent(org.key)}/admin/notifications`}>
                Notifications
              </Link>
              . It keeps working; revoke it if no pipeline needs it.
            </p>
          )}
          <SuccessNotice message={done} />
          {rotated && <SecretReveal secret={rotated.token} title="New secret" />}
          {token.description && <p className="lead">{token.description}</p>}
          <dl className="details">
            <dt>Secret starts with</dt>
            <dd className="mono">{token.hint}…</dd>
            <dt>Projects</dt>
            <dd>{scopeText(token.projects)}</dd>
            <dt>Permissions</dt>
            <dd>
              {token.permissions.map((permission) => (
                <code key={permission} className="tag">
                  {permission}
                </code>
              ))}
            </dd>
            <dt>Expires</dt>
            <dd>
              <ExpiresIn at={token.expiresAt} />
              {token.expiresAt && (
                <>
                  {' '}
                  (<DateTime at={token.expiresAt} />)
                </>
              )}
            </dd>
            <dt>Created</dt>
            <dd>
              <DateTime at={token.createdAt} /> by{' '}
              <PersonName person={token.createdBy} note={people.note(token.createdBy)} />
            </dd>
            <dt>Last used</dt>
            <dd>
              <RelativeTime at={token.lastUsedAt} />
              {token.lastUsedIp && ` from ${token.lastUsedIp}`}
              {token.lastUsedUserAgent && ` (${token.lastUsedUserAgent})`}
            </dd>
            <dt>Usage, 30 days</dt>
            <dd>
              <Sparkline days={token.dailyUsage} />
            </dd>
            <dt>Allowed networks</dt>
            <dd>{token.allowedCidrs.length ? token.allowedCidrs.join(', ') : 'Any address'}</dd>
            {token.rotatedAt && (
              <>
                <dt>Rotated</dt>
                <dd>
                  <DateTime at={token.rotatedAt} />
                </dd>
              </>
            )}
            {graceEnd && token.status !== 'revoked' && (
              <>
                <dt>Previous secret</dt>
                <dd>
                  Works until <DateTime at={graceEnd} /> ({untilText(graceEnd)}), the end of the
                  rotation's grace period
                </dd>
              </>
            )}
            {token.revokedAt && (
              <>
                <dt>Revoked</dt>
                <dd>
                  <DateTime at={token.revokedAt} /> by {token.revokedBy?.name ?? 'a removed user'}
                </dd>
              </>
            )}
          </dl>
          <RevokeDialog
            org={org.key}
            token={token}
            isOpen={dialog === 'revoke'}
            onOpenChange={(open) => setDialog(open ? 'revoke' : null)}
            onDone={(revoked) => {
              setDone(
                `“${revoked.name}” is revoked: every pipeline using it is refused from now on.`,
              );
              loaded.reload();
            }}
          />
          <RotateDialog
            org={org.key}
            token={token}
            isOpen={dialog === 'rotate'}
            onOpenChange={(open) => setDialog(open ? 'rotate' : null)}
            onDone={(next) => {
              setRotated(next);
              loaded.reload();
            }}
          />
        </>
      )}
    </section>
  );
}
