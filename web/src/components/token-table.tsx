import { Button, Menu, MenuItem, MenuTrigger, Popover } from 'react-aria-components';
import { Link, useNavigate } from 'react-router';
import type { OrgToken, Plan } from '../api/types.js';
import type { PersonRef } from '../hooks/use-people.js';
import { TableWrap } from './table-wrap.js';
import { exactTime, RelativeTime } from './time.js';
import {
  ExpiresIn,
  LeakedBadge,
  PersonName,
  Sparkline,
  StaleBadge,
  StatusBadge,
  scopeText,
  untilText,
} from './tokens.js';

export const tokenSorts = [
  ['newest', 'Newest first'],
  ['name', 'Name, A to Z'],
  ['expiry', 'Expiry, soonest first'],
  ['last-used', 'Last used, most recent first'],
] as const;
export type TokenSort = (typeof tokenSorts)[number][0];

const byName = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** A time for sorting, with "none" (no expiry, never used) after every time. */
function timeOrLast(iso: string | null, direction: 1 | -1): number {
  return iso === null ? Number.POSITIVE_INFINITY : direction * Date.parse(iso);
}

/**
 * The tokens in the chosen order. The API lists newest first and has no other order, so the
 * others sort what has been loaded (docs/web-ui.md, the token list).
 */
export function sortTokens(tokens: OrgToken[], sort: TokenSort): OrgToken[] {
  const sorted = [...tokens];
  switch (sort) {
    case 'name':
      return sorted.sort((a, b) => byName.compare(a.name, b.name));
    case 'expiry':
      return sorted.sort((a, b) => timeOrLast(a.expiresAt, 1) - timeOrLast(b.expiresAt, 1));
    case 'last-used':
      return sorted.sort((a, b) => timeOrLast(a.lastUsedAt, -1) - timeOrLast(b.lastUsedAt, -1));
    default:
      return sorted;
  }
}

type RowAction = 'rotate' | 'revoke';

/** Which column a sort orders, and how, for the column header's aria-sort. */
function ariaSort(sort: TokenSort, column: TokenSort): 'ascending' | 'descending' | undefined {
  if (sort !== column) return undefined;
  return column === 'last-used' ? 'descending' : 'ascending';
}

/**
 * The token list's table: name and hint, status (a suspended token names the plan that
 * restores it; a rotated one says when its previous secret ends; a stale one is marked
 * beside it, since it keeps working), project scope, last use,
 * expiry relative to now, permissions, creator (marked when they left), usage, row actions.
 */
export function TokenTable({
  tokens,
  base,
  caption,
  sort,
  restoredBy,
  graceEnds,
  creatorNote,
  onAction,
}: {
  tokens: OrgToken[];
  base: string;
  caption: string;
  sort: TokenSort;
  restoredBy: Plan;
  graceEnds: Map<string, string>;
  creatorNote(person: PersonRef | null): string | null;
  onAction(action: RowAction, token: OrgToken): void;
}) {
  const navigate = useNavigate();
  return (
    <TableWrap label="Tokens">
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" aria-sort={ariaSort(sort, 'name')}>
              Name
            </th>
            <th scope="col">Status</th>
            <th scope="col">Projects</th>
            <th scope="col" aria-sort={ariaSort(sort, 'last-used')}>
              Last used
            </th>
            <th scope="col" aria-sort={ariaSort(sort, 'expiry')}>
              Expires
            </th>
            <th scope="col">Permissions</th>
            <th scope="col">Created by</th>
            <th scope="col">Usage, 30 days</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => {
            const graceEnd = graceEnds.get(token.id);
            return (
              <tr key={token.id}>
                <th scope="row">
                  <Link to={`${base}/${token.id}`}>{token.name}</Link>
                  <div className="muted mono">{token.hint}…</div>
                </th>
                <td>
                  <div className="badges">
                    <StatusBadge status={token.status} restoredBy={restoredBy} />
                    {token.stale && <StaleBadge />}
                    {token.leakedAt && <LeakedBadge />}
                  </div>
                  {graceEnd && token.status !== 'revoked' && (
                    <div className="muted">
                      Previous secret ends{' '}
                      <time dateTime={graceEnd} title={`${exactTime(graceEnd)} (${graceEnd})`}>
                        {untilText(graceEnd)}
                      </time>
                    </div>
                  )}
                </td>
                <td className="scope-cell" data-label="Projects">
                  {scopeText(token.projects)}
                </td>
                <td data-label="Last used">
                  <RelativeTime at={token.lastUsedAt} />
                </td>
                <td data-label="Expires">
                  <ExpiresIn at={token.expiresAt} />
                </td>
                <td data-label="Permissions">
                  {token.permissions.map((permission) => (
                    <code key={permission} className="tag">
                      {permission}
                    </code>
                  ))}
                </td>
                <td data-label="Created by">
                  <PersonName person={token.createdBy} note={creatorNote(token.createdBy)} />
                </td>
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
                          else onAction(action as RowAction, token);
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
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
