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
const absolute = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});
const dateOnly = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

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

/** A time shown relative to now, with the exact UTC time on hover and for machines. */
export function RelativeTime({ at, empty = 'Never' }: { at: string | null; empty?: string }) {
  if (!at) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={at} title={`${absolute.format(new Date(at))} UTC`}>
      {relativeTime(at)}
    </time>
  );
}

export function DateTime({ at }: { at: string }) {
  return <time dateTime={at}>{absolute.format(new Date(at))} UTC</time>;
}

/** An expiry: its date, or "No expiration". */
export function Expiry({ at }: { at: string | null }) {
  if (!at) return <span className="warning-text">No expiration</span>;
  return (
    <time dateTime={at} title={`${absolute.format(new Date(at))} UTC`}>
      {dateOnly.format(new Date(at))}
    </time>
  );
}
