import type { ReactNode } from 'react';
import type { ProjectScope } from '../api/types.js';
import { DateTime } from './time.js';
import { scopeText } from './tokens.js';

type Change = { from: unknown; to: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ from, to }` and nothing else: how the services record a change. */
function isChange(value: unknown): value is Change {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && 'from' in value && 'to' in value;
}

function isProjectScope(value: unknown): value is ProjectScope {
  return isRecord(value) && (value.mode === 'all' || value.mode === 'selected');
}

const words: Record<string, string> = { cidrs: 'CIDRs', id: 'ID', ip: 'IP', sha: 'SHA' };

/** `allowedCidrs` and `allowed_cidrs` read "Allowed CIDRs". */
function keyLabel(key: string): string {
  const parts = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_]+/)
    .map((word) => words[word.toLowerCase()] ?? word.toLowerCase());
  const text = parts.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A recorded value in words: times in local time, lists joined, a project scope as in the UI. */
function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined || value === '')
    return <span className="muted">none</span>;
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value))
    return <DateTime at={value} />;
  if (typeof value === 'string' || typeof value === 'number') return <>{String(value)}</>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    return (
      <>
        {value.map((item, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a recorded list never reorders
          <span key={index}>
            {index > 0 && ', '}
            <Value value={item} />
          </span>
        ))}
      </>
    );
  }
  if (isProjectScope(value)) return <>{scopeText(value)}</>;
  if (isRecord(value)) {
    return (
      <>
        {Object.entries(value).map(([key, item], index) => (
          <span key={key}>
            {index > 0 && '; '}
            {keyLabel(key)}: <Value value={item} />
          </span>
        ))}
      </>
    );
  }
  return <>{String(value)}</>;
}

/** "→", read as "changed to". */
function Arrow() {
  return (
    <>
      {' '}
      <span role="img" aria-label="changed to">
        →
      </span>{' '}
    </>
  );
}

/** The lines of one change: "old → new", or one line per field that changed. */
function changeLines(label: string | null, change: Change): [string, ReactNode][] {
  const { from, to } = change;
  if (isRecord(from) && isRecord(to) && !isProjectScope(from) && !isProjectScope(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
    const changed = keys.filter((key) => JSON.stringify(from[key]) !== JSON.stringify(to[key]));
    return (changed.length > 0 ? changed : keys).map((key) => [
      label ? `${label}: ${keyLabel(key)}` : keyLabel(key),
      <>
        <Value value={from[key]} />
        <Arrow />
        <Value value={to[key]} />
      </>,
    ]);
  }
  return [
    [
      label ?? 'Changed',
      <>
        <Value value={from} />
        <Arrow />
        <Value value={to} />
      </>,
    ],
  ];
}

/** An audit event's details as "Label: value" lines, a change as "old → new", never raw JSON. */
export function AuditDetails({ details }: { details: Record<string, unknown> }) {
  const lines: [string, ReactNode][] = isChange(details)
    ? changeLines(null, details)
    : Object.entries(details).flatMap(([key, value]): [string, ReactNode][] =>
        isChange(value)
          ? changeLines(keyLabel(key), value)
          : [[keyLabel(key), <Value key={key} value={value} />]],
      );
  if (lines.length === 0) return null;
  return (
    <ul className="detail-list">
      {lines.map(([label, value]) => (
        <li key={label}>
          <span className="detail-key">{label}:</span> {value}
        </li>
      ))}
    </ul>
  );
}
