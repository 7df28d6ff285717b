import { type ReactNode, useEffect, useRef } from 'react';
import { Button } from 'react-aria-components';
import type { Plan, ProjectScope, TokenStatus } from '../api/types.js';
import { useCopy } from './copy-button.js';
import { planNames } from './plan-notice.js';
import { exactTime } from './time.js';

const statusLabels: Record<TokenStatus, string> = {
  active: 'Active',
  expiring: 'Expiring soon',
  suspended: 'Suspended',
  expired: 'Expired',
  revoked: 'Revoked',
};

/**
 * A token's status. A suspended token names the plan that restores it (`restoredBy`): the
 * token is kept, and works again once the organization is on that plan.
 */
export function StatusBadge({ status, restoredBy }: { status: TokenStatus; restoredBy?: Plan }) {
  const label =
    status === 'suspended' && restoredBy
      ? `Suspended: needs ${planNames[restoredBy]}`
      : statusLabels[status];
  return <span className={`badge badge-${status}`}>{label}</span>;
}

/** A token's project scope in words. */
export function scopeText(scope: ProjectScope): string {
  if (scope.mode === 'all') return 'All current and future projects';
  const parts = [...(scope.keys ?? []), ...(scope.patterns ?? [])];
  if (parts.length === 0) return 'No projects';
  return parts.join(', ');
}

/**
 * Uses per day over 30 days as an inline SVG: bars, so a single day of use is visible. The
 * total is the accessible name; the chart itself is decoration.
 */
export function Sparkline({ days }: { days: number[] }) {
  const total = days.reduce((sum, uses) => sum + uses, 0);
  const label = `${total} ${total === 1 ? 'use' : 'uses'} in the last 30 days`;
  const highest = Math.max(1, ...days);
  const width = 90;
  const height = 22;
  const step = width / Math.max(1, days.length);
  return (
    <svg
      className="sparkline"
      role="img"
      aria-label={label}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
    >
      <title>{label}</title>
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} className="sparkline-axis" />
      {days.map((uses, day) => {
        const barHeight = uses === 0 ? 0 : Math.max(2, (uses / highest) * (height - 2));
        return (
          <rect
            // biome-ignore lint/suspicious/noArrayIndexKey: a day's position is its identity
            key={day}
            x={day * step + 0.5}
            y={height - 1 - barHeight}
            width={Math.max(1, step - 1)}
            height={barHeight}
            className="sparkline-bar"
          />
        );
      })}
    </svg>
  );
}

/**
 * A token unused for the organization's stale period (its `staleAfterDays`). It keeps
 * working: the badge says only that nobody seems to need it any more.
 */
export function StaleBadge() {
  return <span className="badge badge-stale">Stale</span>;
}

/** A token reported as leaked (GitHub secret scanning or a public revocation request). */
export function LeakedBadge() {
  return <span className="badge badge-leaked">Leaked</span>;
}

const tokenSecretWarning = (
  <>
    <strong>Store it securely: it will not be shown again.</strong> Put it in your CI's secret store
    now; orgtoken keeps only a hash of it.
  </>
);

/**
 * A new secret, shown once: the value, a copy button, and the warning to store it. With
 * `autoFocus` the secret takes the focus (and is selected) when it appears, so that after
 * Generate a keyboard or screen-reader user is on it rather than on the page's body. A
 * token's secret by default; a webhook's signing secret names itself and its own warning.
 */
export function SecretReveal({
  secret,
  title,
  autoFocus,
  label = 'Token secret',
  warning = tokenSecretWarning,
  children,
}: {
  secret: string;
  title: string;
  autoFocus?: boolean;
  /** The field's accessible name. */
  label?: string;
  /** What to do with it now, said above it. */
  warning?: ReactNode;
  children?: ReactNode;
}) {
  const { copy, status } = useCopy('select the secret and copy it by hand.');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);
  return (
    <section className="secret" aria-labelledby="secret-title">
      <h2 id="secret-title">{title}</h2>
      <p className="notice notice-warning">{warning}</p>
      <div className="secret-row">
        <label htmlFor="secret-value" className="visually-hidden">
          {label}
        </label>
        <input
          ref={input}
          id="secret-value"
          className="secret-value"
          readOnly
          value={secret}
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button className="button" onPress={() => copy(secret)}>
          Copy
        </Button>
      </div>
      {status}
      {children}
    </section>
  );
}

const untilFormat = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
const hourMs = 3600 * 1000;
const dayMs = 24 * hourMs;

/**
 * "in 3 days", "in 5 hours", "2 days ago": days up to two months, so that an expiry close
 * enough to plan for is counted in the unit people plan in.
 */
export function untilText(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  const size = Math.abs(ms);
  if (size < hourMs) return untilFormat.format(Math.round(ms / 60_000), 'minute');
  if (size < 2 * dayMs) return untilFormat.format(Math.round(ms / hourMs), 'hour');
  if (size < 60 * dayMs) return untilFormat.format(Math.round(ms / dayMs), 'day');
  if (size < 730 * dayMs) return untilFormat.format(Math.round(ms / (30 * dayMs)), 'month');
  return untilFormat.format(Math.round(ms / (365 * dayMs)), 'year');
}

/** An expiry relative to now ("in 3 days"), its local date and time on hover. */
export function ExpiresIn({ at }: { at: string | null }) {
  if (!at) return <span className="warning-text">No expiration</span>;
  return (
    <time dateTime={at} title={`${exactTime(at)} (${at})`}>
      {untilText(at)}
    </time>
  );
}

/** A person a token names, marked when they are no longer a member or are deactivated. */
export function PersonName({
  person,
  note,
}: {
  person: { id: string; name: string } | null;
  note: string | null;
}) {
  if (!person) return <span className="muted">Removed user</span>;
  return (
    <>
      {person.name}
      {note && <span className="muted"> ({note})</span>}
    </>
  );
}
