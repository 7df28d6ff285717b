import type { NewOrgToken } from '../contract/tokens.js';

/** What scripts read: the server's objects, as JSON, on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the last one is left ragged so lines end clean. */
export function formatTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, column) =>
    Math.max(...all.map((row) => (row[column] ?? '').length)),
  );
  return all
    .map((row) =>
      row
        .map((cell, column) =>
          column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

/** Label/value lines with the values aligned, for one object. */
export function formatFields(fields: [label: string, value: string][]): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n');
}

export function printLines(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** `2026-03-01 14:05 UTC`: minutes are enough to read, and UTC is what the server speaks. */
export function formatTime(iso: string | null, none = 'never'): string {
  if (iso === null) return none;
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A project scope in words: `all projects`, or the keys and patterns it lists. */
export function formatScope(scope: NewOrgToken['projects']): string {
  if (scope.mode === 'all') return 'all projects';
  return [...(scope.keys ?? []), ...(scope.patterns ?? [])].join(', ');
}
