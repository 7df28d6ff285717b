import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import { api } from '../api/client.js';
import type { Delivery, Webhook } from '../api/types.js';
import { usePaged } from '../hooks/use-paged.js';
import { ErrorNotice, Loading } from './feedback.js';
import { LoadMore } from './load-more.js';
import { TableWrap } from './table-wrap.js';
import { DateTime, relativeTime } from './time.js';

const statusLabels: Record<Delivery['status'], string> = {
  delivered: 'Delivered',
  pending: 'Pending',
  failed: 'Failed',
};

/** While a delivery is pending, the list asks again this often, so its outcome shows up. */
const pendingRefreshMs = 5000;

function DeliveryStatus({ delivery }: { delivery: Delivery }) {
  const retrying = delivery.status === 'pending' && delivery.attempts > 0;
  return (
    <span className={`badge badge-delivery-${delivery.status}`}>
      {retrying ? 'Retrying' : statusLabels[delivery.status]}
    </span>
  );
}

/** The last attempt's answer: its HTTP status, or why none came. */
function ResponseCell({ delivery }: { delivery: Delivery }) {
  if (delivery.responseStatus !== null) {
    return (
      <>
        <span className="mono">{delivery.responseStatus}</span>
        {delivery.error && <div className="muted">{delivery.error}</div>}
      </>
    );
  }
  if (delivery.attempts === 0) return <span className="muted">Not tried yet</span>;
  return <span className="muted">{delivery.error ?? 'No answer'}</span>;
}

/**
 * A webhook's deliveries, newest first: event, status, attempts, the last answer and how
 * long it took, when it was last tried and when it is tried next (local time), and
 * Redeliver for one that is done (it goes again with the same webhook-id, new timestamp and
 * signature). `round` reloads the list, e.g. after a test event.
 */
export function WebhookDeliveries({
  org,
  webhook,
  round,
  onRedelivered,
}: {
  org: string;
  webhook: Webhook;
  round: number;
  onRedelivered(delivery: Delivery): void;
}) {
  const page = usePaged(
    (cursor) => api.deliveries(org, webhook.id, cursor),
    [org, webhook.id, round],
  );
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const pending = page.items.some((delivery) => delivery.status === 'pending');
  const { reload } = page;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(reload, pendingRefreshMs);
    return () => clearInterval(timer);
  }, [pending, reload]);

  async function redeliver(delivery: Delivery) {
    setBusy(delivery.id);
    setFailure(null);
    try {
      onRedelivered(await api.redeliver(org, webhook.id, delivery.id));
      reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="deliveries-title">
      <div className="page-head">
        <h2 id="deliveries-title">Deliveries</h2>
        <Button className="button" onPress={reload}>
          Refresh
        </Button>
      </div>
      <p className="muted">
        A delivery that gets no 2xx answer within 15 seconds is tried again with growing pauses for
        about a day, with the same webhook-id every time, then marked failed.
      </p>
      <ErrorNotice error={page.error ?? failure} />
      {page.loading ? (
        <Loading what="deliveries" />
      ) : page.items.length === 0 ? (
        <p className="empty">Nothing delivered yet. Send a test event to try the receiver.</p>
      ) : (
        <TableWrap label="Deliveries">
          <table className="table">
            <caption className="visually-hidden">Deliveries to {webhook.url}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Response</th>
                <th scope="col">Duration</th>
                <th scope="col">Last attempt</th>
                <th scope="col">Next retry</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((delivery) => (
                <tr key={delivery.id}>
                  <th scope="row">
                    <code>{delivery.eventType}</code>
                    <div className="muted mono">{delivery.eventId}</div>
                  </th>
                  <td>
                    <DeliveryStatus delivery={delivery} />
                  </td>
                  <td data-label="Attempts">{delivery.attempts}</td>
                  <td data-label="Response">
                    <ResponseCell delivery={delivery} />
                  </td>
                  <td data-label="Duration">
                    {delivery.durationMs === null ? (
                      <span className="muted">—</span>
                    ) : (
                      `${delivery.durationMs} ms`
                    )}
                  </td>
                  <td data-label="Last attempt">
                    {delivery.lastAttemptAt ? (
                      <DateTime at={delivery.lastAttemptAt} />
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td data-label="Next retry">
                    {delivery.status === 'pending' && delivery.nextAttemptAt ? (
                      <>
                        <DateTime at={delivery.nextAttemptAt} />
                        <div className="muted">{relativeTime(delivery.nextAttemptAt)}</div>
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    {delivery.status !== 'pending' && (
                      <Button
                        className="button"
                        isDisabled={busy === delivery.id}
                        onPress={() => redeliver(delivery)}
                      >
                        Redeliver
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <LoadMore loadMore={page.loadMore} />
    </section>
  );
}
