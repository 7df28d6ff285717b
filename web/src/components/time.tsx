const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
// No `timeZone`: the browser's own zone, named ("GMT+2", "EST", "UTC") so that nobody has
// to guess which clock a time is on. dateStyle/timeStyle cannot name the zone, hence the fields.
const exact = new Intl.DateTimeFormat('en', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
});
const dateOnly = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/** "Dec 3, 2025, 3:15 PM GMT+1": the browser's local time, its zone named. */
export function exactTime(iso: string): string {
  return exact.format(new Date(iso));
}

/** "3 minutes ago", "in 2 months": the largest unit that fits. */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.trunc(seconds / size), unit);
    }
  }
  return relative.format(0, 'second');
}

/** A time shown relative to now, with the exact local time and the ISO time on hover. */
export function RelativeTime({ at, empty = 'Never' }: { at: string | null; empty?: string }) {
  if (!at) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={at} title={`${exactTime(at)} (${at})`}>
      {relativeTime(at)}
    </time>
  );
}

/** An exact time in the browser's zone; the ISO time (UTC) in the tooltip and `datetime`. */
export function DateTime({ at }: { at: string }) {
  return (
    <time dateTime={at} title={at}>
      {exactTime(at)}
    </time>
  );
}

/** An expiry: its local date, the exact time on hover; or "No expiration". */
export function Expiry({ at }: { at: string | null }) {
  if (!at) return <span className="warning-text">No expiration</span>;
  return (
    <time dateTime={at} title={`${exactTime(at)} (${at})`}>
      {dateOnly.format(new Date(at))}
    </time>
  );
}
