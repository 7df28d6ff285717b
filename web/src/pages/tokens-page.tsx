import { useState } from 'react';
import {
  Button,
  Input,
  Label,
  Menu,
  MenuItem,
  MenuTrigger,
  Popover,
  SearchField,
} from 'react-aria-components';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client.js';
import type { OrgToken, TokenStatus, WithSecret } from '../api/types.js';
import { ErrorNotice, Loading } from '../components/feedback.js';
import { Choice } from '../components/fields.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { Expiry, RelativeTime } from '../components/time.js';
import { RevokeDialog, RotateDialog } from '../components/token-actions.js';
import { SecretReveal, Sparkline, StatusBadge, scopeText } from '../components/tokens.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';
import { useSettled } from '../hooks/use-settled.js';

const statusFilters: [TokenStatus | 'any', string][] = [
  ['any', 'All statuses'],
  ['active', 'Active'],
  ['expiring', 'Expiring soon'],
  ['expired', 'Expired'],
  ['revoked', 'Revoked'],
];

/** Administration → Scoped Organization Tokens: the list, its filters and row actions. */
export function TokensPage() {
  const { org } = useOrg();
  const navigate = useNavigate();
  const base = `/orgs/${encodeURIComponent(org.key)}/admin/tokens`;
  const [status, setStatus] = useState<TokenStatus | 'any'>('any');
  const [search, setSearch] = useState('');
  const q = useSettled(search);
  const [acting, setActing] = useState<{ kind: 'rotate' | 'revoke'; token: OrgToken } | null>(null);
  const [rotated, setRotated] = useState<WithSecret<OrgToken> | null>(null);

  const page = usePaged(
    (cursor) =>
      api.tokens(org.key, {
        status: status === 'any' ? undefined : status,
        q: q || undefined,
        cursor,
      }),
    [org.key, status, q],
  );
  const tokens = page.items;

  usePageTitle(`Scoped Organization Tokens · ${org.name}`);
  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head">
        <h1 id="tokens-title">Scoped Organization Tokens</h1>
        <Link className="button button-primary" to={`${base}/new`}>
          Create token
        </Link>
      </div>
      <p className="lead">
        Tokens owned by {org.name}, not by a person: they keep working when people leave. Limit each
        one to the projects and permissions a pipeline needs.
      </p>
      {rotated && (
        <SecretReveal secret={rotated.token} title={`New secret for “${rotated.name}”`} />
      )}
      <div className="filters">
        <SearchField className="field" value={search} onChange={setSearch}>
          <Label>Search by name</Label>
          <Input />
        </SearchField>
        <Choice label="Status" choices={statusFilters} value={status} onChange={setStatus} />
      </div>
      <ErrorNotice error={page.error} />
      {page.loading ? (
        <Loading what="tokens" />
      ) : tokens.length === 0 ? (
        <p className="empty">
          {q || status !== 'any'
            ? 'No token matches these filters.'
            : 'No organization tokens yet. Create one for your first pipeline.'}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Organization tokens of {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Projects</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Created by</th>
                <th scope="col">Usage, 30 days</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id}>
                  <th scope="row">
                    <Link to={`${base}/${token.id}`}>{token.name}</Link>
                    <div className="muted mono">{token.hint}…</div>
                  </th>
                  <td>
                    <StatusBadge status={token.status} />
                  </td>
                  <td className="scope-cell">{scopeText(token.projects)}</td>
                  <td>
                    <RelativeTime at={token.lastUsedAt} />
                  </td>
                  <td>
                    <Expiry at={token.expiresAt} />
                  </td>
                  <td>{token.createdBy?.name ?? <span className="muted">Removed user</span>}</td>
                  <td>
                    <Sparkline days={token.dailyUsage} />
                  </td>
                  <td>
                    <MenuTrigger>
                      <Button
                        className="button button-quiet"
                        aria-label={`Actions for ${token.name}`}
                      >
                        ⋯
                      </Button>
                      <Popover className="popover">
                        <Menu
                          className="menu"
                          disabledKeys={
                            token.status === 'revoked' ? ['edit', 'rotate', 'revoke'] : []
                          }
                          onAction={(action) => {
                            if (action === 'view') navigate(`${base}/${token.id}`);
                            else if (action === 'edit') navigate(`${base}/${token.id}/edit`);
                            else setActing({ kind: action as 'rotate' | 'revoke', token });
                          }}
                        >
                          <MenuItem id="view" className="menu-item">
                            View details
                          </MenuItem>
                          <MenuItem id="edit" className="menu-item">
                            Edit projects
                          </MenuItem>
                          <MenuItem id="rotate" className="menu-item">
                            Rotate…
                          </MenuItem>
                          <MenuItem id="revoke" className="menu-item menu-item-danger">
                            Revoke…
                          </MenuItem>
                        </Menu>
                      </Popover>
                    </MenuTrigger>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore loadMore={page.loadMore} />
      {acting?.kind === 'revoke' && (
        <RevokeDialog
          org={org.key}
          token={acting.token}
          isOpen
          onOpenChange={(open) => !open && setActing(null)}
          onDone={() => page.reload()}
        />
      )}
      {acting?.kind === 'rotate' && (
        <RotateDialog
          org={org.key}
          token={acting.token}
          isOpen
          onOpenChange={(open) => !open && setActing(null)}
          onDone={(token) => {
            setRotated(token);
            page.reload();
          }}
        />
      )}
    </section>
  );
}
