import { useEffect, useRef, useState } from 'react';
import { Button, Input, Label, SearchField } from 'react-aria-components';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import type { OrgToken, TokenStatus, WithSecret } from '../api/types.js';
import { ErrorNotice, Loading, SuccessNotice } from '../components/feedback.js';
import { Choice } from '../components/fields.js';
import { LoadMore } from '../components/load-more.js';
import { useOrg } from '../components/org-layout.js';
import { PlanNotice, planNames } from '../components/plan-notice.js';
import { RevokeDialog, RotateDialog } from '../components/token-actions.js';
import { sortTokens, type TokenSort, TokenTable, tokenSorts } from '../components/token-table.js';
import { SecretReveal } from '../components/tokens.js';
import { useGraceEnds } from '../hooks/use-grace-ends.js';
import { usePageTitle } from '../hooks/use-page-title.js';
import { usePaged } from '../hooks/use-paged.js';
import { usePeople } from '../hooks/use-people.js';

const statusFilters: [TokenStatus | 'any', string][] = [
  ['any', 'All statuses'],
  ['active', 'Active'],
  ['expiring', 'Expiring soon'],
  ['suspended', 'Suspended'],
  ['expired', 'Expired'],
  ['revoked', 'Revoked'],
];

/** The stale filter's values are the API's `stale` query parameter, as the address keeps it. */
const staleFilters = [
  ['any', 'All tokens'],
  ['true', 'Stale only'],
  ['false', 'Not stale'],
] as const;
type StaleFilter = (typeof staleFilters)[number][0];

function staleOf(text: string | null): StaleFilter {
  return staleFilters.find(([stale]) => stale === text)?.[0] ?? 'any';
}

function statusOf(text: string | null): TokenStatus | 'any' {
  return statusFilters.find(([status]) => status === text)?.[0] ?? 'any';
}

function sortOf(text: string | null): TokenSort {
  return tokenSorts.find(([sort]) => sort === text)?.[0] ?? 'newest';
}

/**
 * The list's view in the page's address (`?status=revoked&stale=true&q=deploy&sort=name`), so that a
 * reload, a bookmark or a shared link shows the same tokens. Changes replace the history
 * entry: each keystroke of a search is not a page to go back to.
 */
function useListView() {
  const [params, setParams] = useSearchParams();
  const set = (name: string, value: string, fallback: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value === fallback) next.delete(name);
        else next.set(name, value);
        return next;
      },
      { replace: true },
    );
  return {
    status: statusOf(params.get('status')),
    stale: staleOf(params.get('stale')),
    q: params.get('q') ?? '',
    sort: sortOf(params.get('sort')),
    setStatus: (status: TokenStatus | 'any') => set('status', status, 'any'),
    setStale: (stale: StaleFilter) => set('stale', stale, 'any'),
    setQ: (q: string) => set('q', q, ''),
    setSort: (sort: TokenSort) => set('sort', sort, 'newest'),
  };
}

function countText(shown: number, more: boolean): string {
  const tokens = `${shown} ${shown === 1 ? 'token' : 'tokens'}`;
  return more ? `${tokens} shown, sorted among these; load more for the rest.` : `${tokens}.`;
}

/** Administration → Scoped Organization Tokens: the list, its filters and row actions. */
export function TokensPage() {
  const { org } = useOrg();
  const base = `/orgs/${encodeURIComponent(org.key)}/admin/tokens`;
  const view = useListView();
  const [search, setSearch] = useState(view.q);
  const { q, setQ } = view;
  // The search box and the address follow each other: typing sets `q` once it pauses (one
  // request per pause, not per keystroke), and an address that changes otherwise (a link to
  // the plain list, Back) sets the box. `pushed` is what the box last wrote, so that the
  // address coming back with it is not taken for a change from outside.
  const pushed = useRef(view.q);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on typing, reads q as it is
  useEffect(() => {
    const timer = setTimeout(() => {
      const text = search.trim();
      if (text === q) return;
      pushed.current = text;
      setQ(text);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => {
    if (q === pushed.current) return;
    pushed.current = q;
    setSearch(q);
  }, [q]);
  const [acting, setActing] = useState<{ kind: 'rotate' | 'revoke'; token: OrgToken } | null>(null);
  const [rotated, setRotated] = useState<WithSecret<OrgToken> | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const people = usePeople(org.key);
  const graceEnds = useGraceEnds(org.key, rotated);
  const gate = org.features.organizationTokens;

  const page = usePaged(
    (cursor) =>
      api.tokens(org.key, {
        status: view.status === 'any' ? undefined : view.status,
        stale: view.stale === 'any' ? undefined : view.stale === 'true',
        q: q || undefined,
        cursor,
      }),
    [org.key, view.status, view.stale, q],
  );
  const tokens = sortTokens(page.items, view.sort);
  const filtered = q !== '' || view.status !== 'any' || view.stale !== 'any';

  usePageTitle(`Scoped Organization Tokens · ${org.name}`);
  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head">
        <h1 id="tokens-title">Scoped Organization Tokens</h1>
        {gate.included ? (
          <Link className="button button-primary" to={`${base}/new`}>
            Create token
          </Link>
        ) : (
          <Button className="button button-primary" isDisabled aria-describedby="tokens-plan">
            Create token
          </Button>
        )}
      </div>
      <p className="lead">
        Tokens owned by {org.name}, not by a person: they keep working when people leave. Limit each
        one to the projects and permissions a pipeline needs.
      </p>
      {!gate.included &&
        (page.items.length > 0 || filtered ? (
          <div className="notice notice-warning" role="note" id="tokens-plan">
            <p>
              <strong>Every pipeline using these tokens is refused.</strong> {gate.message}{' '}
              {org.name} is on the {planNames[org.plan]} plan.
            </p>
            <p>
              The tokens are kept as they are: once {org.name} is on the {planNames[gate.plan]} plan
              again, the same secrets work with the next request.
            </p>
          </div>
        ) : (
          <PlanNotice org={org} feature="organizationTokens" id="tokens-plan">
            Once it is, create a token here for each pipeline.
          </PlanNotice>
        ))}
      <SuccessNotice message={done} />
      {rotated && (
        <SecretReveal secret={rotated.token} title={`New secret for “${rotated.name}”`} />
      )}
      <div className="filters">
        <SearchField className="field" value={search} onChange={setSearch}>
          <Label>Search by name</Label>
          <Input />
        </SearchField>
        <Choice
          label="Status"
          choices={statusFilters}
          value={view.status}
          onChange={view.setStatus}
        />
        <Choice label="Stale" choices={staleFilters} value={view.stale} onChange={view.setStale} />
        <Choice label="Sort by" choices={tokenSorts} value={view.sort} onChange={view.setSort} />
      </div>
      {view.stale === 'true' && (
        <p className="muted">
          A stale token has not been used for the period set under{' '}
          <Link to={`/orgs/${encodeURIComponent(org.key)}/admin/notifications`}>Notifications</Link>
          . It keeps working until it is revoked: revoke the ones no pipeline needs.
        </p>
      )}
      <ErrorNotice error={page.error} />
      {page.loading ? (
        <Loading what="tokens" />
      ) : tokens.length === 0 ? (
        filtered ? (
          <p className="empty">No token matches these filters.</p>
        ) : (
          gate.included && (
            <p className="empty">No organization tokens yet. Create one for your first pipeline.</p>
          )
        )
      ) : (
        <>
          <p className="muted">{countText(tokens.length, page.loadMore !== null)}</p>
          <TokenTable
            tokens={tokens}
            base={base}
            caption={`Organization tokens of ${org.name}`}
            sort={view.sort}
            restoredBy={gate.plan}
            graceEnds={graceEnds}
            creatorNote={people.note}
            onAction={(kind, token) => {
              setDone(null);
              setActing({ kind, token });
            }}
          />
        </>
      )}
      <LoadMore loadMore={page.loadMore} />
      {acting?.kind === 'revoke' && (
        <RevokeDialog
          org={org.key}
          token={acting.token}
          isOpen
          onOpenChange={(open) => !open && setActing(null)}
          onDone={(token) => {
            setDone(`“${token.name}” is revoked: every pipeline using it is refused from now on.`);
            page.reload();
          }}
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
