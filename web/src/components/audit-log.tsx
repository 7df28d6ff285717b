import { useState } from 'react';
import type { AuditEvent, Page } from '../api/types.js';
import { usePaged } from '../hooks/use-paged.js';
import { AuditDetails } from './audit-details.js';
import { ErrorNotice, Loading } from './feedback.js';
import { Choice, Field } from './fields.js';
import { LoadMore } from './load-more.js';
import { TableWrap } from './table-wrap.js';
import { DateTime } from './time.js';

/** The filters of an audit log, as the API takes them. */
export interface AuditQuery {
  action?: string;
  since?: string;
  until?: string;
  cursor?: string;
}

function party(who: AuditEvent['actor']): string {
  return who.name ?? who.id ?? who.type;
}

/**
 * From a YYYY-MM-DD field to a bound of the API's filter: days are the browser's, as every
 * time on the page is. `since` is the start of the day; `until` is exclusive, so "until the
 * 3rd" is the start of the 4th.
 */
function dayBound(day: string, end: boolean): string | undefined {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!parts) return undefined;
  const [year, month, date] = parts.slice(1).map(Number) as [number, number, number];
  const start = new Date(year, month - 1, end ? date + 1 : date);
  return Number.isNaN(start.getTime()) ? undefined : start.toISOString();
}

/**
 * An audit log, newest first, by action and time: the organization's and the instance's
 * pages share it. `log` names the log (it reloads when it changes); `exportBase`, when set,
 * offers the filtered log as CSV and NDJSON downloads.
 */
export function AuditLog({
  log,
  actions,
  load,
  exportBase,
}: {
  log: string;
  actions: readonly string[];
  load: (query: AuditQuery) => Promise<Page<AuditEvent>>;
  exportBase: string | null;
}) {
  const actionChoices = [
    ['any', 'All actions'] as const,
    ...actions.map((action) => [action, action] as const),
  ];
  const [action, setAction] = useState<string>('any');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const filters = {
    action: action === 'any' ? undefined : action,
    since: dayBound(since, false),
    until: dayBound(until, true),
  };
  const events = usePaged(
    (cursor) => load({ ...filters, cursor }),
    [log, filters.action, filters.since, filters.until],
  );
  const exportQuery = new URLSearchParams(
    Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

  return (
    <>
      <div className="filters">
        <Choice label="Action" choices={actionChoices} value={action} onChange={setAction} />
        <Field label="From" type="date" value={since} onChange={setSince} />
        <Field label="Until" type="date" value={until} onChange={setUntil} />
      </div>
      {exportBase !== null && (
        <p>
          Download the filtered log:{' '}
          <a href={`${exportBase}?${exportQuery}&format=csv`} download>
            CSV
          </a>{' '}
          ·{' '}
          <a href={`${exportBase}?${exportQuery}&format=ndjson`} download>
            NDJSON
          </a>
        </p>
      )}
      <ErrorNotice error={events.error} />
      {events.loading ? (
        <Loading what="audit events" />
      ) : events.items.length === 0 ? (
        <p className="empty">No event matches these filters.</p>
      ) : (
        <TableWrap label="Audit events">
          <table className="table">
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">By</th>
                <th scope="col">Target</th>
                <th scope="col">From</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.items.map((event) => (
                <tr key={event.id}>
                  <td data-label="When">
                    <DateTime at={event.at} />
                  </td>
                  <td className="mono" data-label="Action">
                    {event.action}
                  </td>
                  <td data-label="By">{party(event.actor)}</td>
                  <td data-label="Target">{party(event.target)}</td>
                  <td className="mono" data-label="From">
                    {event.ip ?? '—'}
                  </td>
                  <td className="details-cell">
                    <AuditDetails details={event.details} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <LoadMore loadMore={events.loadMore} />
    </>
  );
}
