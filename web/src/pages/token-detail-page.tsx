import { useState } from 'react';
import { Button } from 'react-aria-components';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.js';
import type { OrgToken, WithSecret } from '../api/types.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { useOrg } from '../components/org-layout.js';
import { DateTime, Expiry, RelativeTime } from '../components/time.js';
import { RevokeDialog, RotateDialog } from '../components/token-actions.js';
import { SecretReveal, Sparkline, StatusBadge, scopeText } from '../components/tokens.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageTitle } from '../hooks/use-page-title.js';

/** One token: every attribute, and edit, rotate and revoke. */
export function TokenDetailPage() {
  const { org } = useOrg();
  const { tokenId = '' } = useParams();
  const base = `/orgs/${encodeURIComponent(org.key)}/admin/tokens`;
  const loaded = useLoad(() => api.token(org.key, tokenId), [org.key, tokenId]);
  const [dialog, setDialog] = useState<'rotate' | 'revoke' | null>(null);
  const [rotated, setRotated] = useState<WithSecret<OrgToken> | null>(null);
  const token = loaded.data;

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
              {token.name} <StatusBadge status={token.status} />
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
              <Expiry at={token.expiresAt} />
            </dd>
            <dt>Created</dt>
            <dd>
              <DateTime at={token.createdAt} /> by {token.createdBy?.name ?? 'a removed user'}
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
            onDone={() => loaded.reload()}
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
