import { Button } from 'react-aria-components';
import type { Exchange } from '../api/types.js';
import type { Paged } from '../hooks/use-paged.js';
import { ErrorNotice, Loading } from './feedback.js';
import { LoadMore } from './load-more.js';
import { TableWrap } from './table-wrap.js';
import { DateTime, RelativeTime } from './time.js';

/** True while a minted token still works: neither revoked nor expired. */
export function isLive(exchange: Exchange): boolean {
  return exchange.status !== 'revoked' && exchange.status !== 'expired';
}

// A minted token lasts minutes, so the token list's "Expiring soon" would say it of every
// live one: here it is live, expired or revoked, with its last use under it.
function ExchangeStatus({ exchange }: { exchange: Exchange }) {
  const badge =
    exchange.status === 'revoked' ? (
      <span className="badge badge-revoked">Revoked</span>
    ) : exchange.status === 'expired' ? (
      <span className="badge badge-expired">Expired</span>
    ) : (
      <span className="badge badge-active">Live</span>
    );
  return (
    <>
      {badge}
      <div className="muted">
        {exchange.lastUsedAt ? (
          <>
            used <RelativeTime at={exchange.lastUsedAt} />
          </>
        ) : (
          'never used'
        )}
      </div>
    </>
  );
}

const orDash = (value: string | null) =>
  value === null || value === '' ? <span className="muted">—</span> : value;

/** What a minted token is for, in words: its repository and run, or its subject. */
export function exchangeName(exchange: Exchange): string {
  const what = exchange.repository ?? exchange.subject;
  return exchange.runId ? `${what} run ${exchange.runId}` : what;
}

/**
 * The tokens a policy minted, newest first: the run's subject, repository, ref and run id,
 * when it was minted (local time) and when it expires (relative, the exact time on hover), its
 * status and last use, and Revoke for a live one.
 */
export function ExchangeTable({
  list,
  policyName,
  onRevoke,
}: {
  list: Paged<Exchange>;
  policyName: string;
  onRevoke?: (exchange: Exchange) => void;
}) {
  return (
    <section aria-labelledby="exchanges-title">
      <div className="page-head">
        <h2 id="exchanges-title">Recent exchanges</h2>
        <Button className="button" onPress={list.reload}>
          Refresh
        </Button>
      </div>
      <p className="muted">
        Each token a run got under this policy. It cannot be renewed or rotated; revoking one stops
        it at once, and the run's next exchange gets a new one while the policy still matches.
      </p>
      <ErrorNotice error={list.error} />
      {list.loading ? (
        <Loading what="exchanges" />
      ) : list.items.length === 0 ? (
        <p className="empty">No run has exchanged a token under this policy yet.</p>
      ) : (
        <TableWrap label="Exchanges">
          <table className="table exchanges">
            <caption className="visually-hidden">
              Tokens minted under {policyName}, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Repository</th>
                <th scope="col">Ref</th>
                <th scope="col">Run id</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((exchange) => (
                <tr key={exchange.id}>
                  <th scope="row" className="subject-cell">
                    <code>{exchange.subject || '—'}</code>
                    <div className="muted mono">{exchange.hint}</div>
                  </th>
                  <td data-label="Repository">{orDash(exchange.repository)}</td>
                  <td data-label="Ref">{orDash(exchange.ref)}</td>
                  <td data-label="Run id">{orDash(exchange.runId)}</td>
                  <td data-label="Created">
                    <DateTime at={exchange.createdAt} />
                  </td>
                  <td data-label="Expires">
                    <RelativeTime at={exchange.expiresAt} />
                  </td>
                  <td>
                    <ExchangeStatus exchange={exchange} />
                  </td>
                  <td>
                    {onRevoke && isLive(exchange) && (
                      <Button
                        className="button"
                        aria-label={`Revoke the token of ${exchangeName(exchange)}`}
                        onPress={() => onRevoke(exchange)}
                      >
                        Revoke…
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <LoadMore loadMore={list.loadMore} />
    </section>
  );
}
