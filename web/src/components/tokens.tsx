import { useState } from 'react';
import { Button } from 'react-aria-components';
import type { ProjectScope, TokenStatus } from '../api/types.js';

const statusLabels: Record<TokenStatus, string> = {
  active: 'Active',
  expiring: 'Expiring soon',
  expired: 'Expired',
  revoked: 'Revoked',
};

export function StatusBadge({ status }: { status: TokenStatus }) {
  return <span className={`badge badge-${status}`}>{statusLabels[status]}</span>;
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

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Denied (no permission, not focused): fall back to a selection copy.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

/** A new secret, shown once: the value, a copy button, and the warning to store it. */
export function SecretReveal({ secret, title }: { secret: string; title: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  return (
    <section className="secret" aria-labelledby="secret-title">
      <h2 id="secret-title">{title}</h2>
      <p className="notice notice-warning">
        <strong>Store it securely: it will not be shown again.</strong> Put it in your CI's secret
        store now; orgtoken keeps only a hash of it.
      </p>
      <div className="secret-row">
        <label htmlFor="secret-value" className="visually-hidden">
          Token secret
        </label>
        <input
          id="secret-value"
          className="secret-value"
          readOnly
          value={secret}
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button
          className="button"
          onPress={() =>
            copyText(secret).then(
              () => setCopied('yes'),
              () => setCopied('failed'),
            )
          }
        >
          Copy
        </Button>
      </div>
      <p role="status" className="muted">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'Copying was refused: select the secret and copy it by hand.'}
      </p>
    </section>
  );
}
