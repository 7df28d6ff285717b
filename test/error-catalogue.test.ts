import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settings } from '../src/config.js';
import { sonarTokenTypes } from '../src/contract/sonar.js';
import { errorCatalogue } from '../src/domain/errors.js';

const doc = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');

/** Rows of the "Error codes" table: | `CODE` | status | when |. */
function documentedCodes(): Map<string, number> {
  const section = doc.split('### Error codes')[1] ?? '';
  const rows = new Map<string, number>();
  for (const match of section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
}

describe('error catalogue and docs/api.md', () => {
  it('documents every code of the catalogue with its status', () => {
    const documented = documentedCodes();
    for (const [code, { status }] of Object.entries(errorCatalogue)) {
      expect(documented.get(code), `${code} in docs/api.md`).toBe(status);
    }
  });

  it('documents no code that the catalogue does not have', () => {
    const known = new Set(Object.keys(errorCatalogue));
    const unknown = [...documentedCodes().keys()].filter((code) => !known.has(code));
    expect(unknown).toEqual([]);
  });

  it('names no error code anywhere in the doc that the catalogue lacks', () => {
    // Besides error codes, the doc names HTTP methods, environment variables and SonarQube's
    // token types.
    const known = new Set([
      ...Object.keys(errorCatalogue),
      ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      ...sonarTokenTypes,
      ...Object.values(settings).map((setting) => setting.env),
    ]);
    const mentioned = [...doc.matchAll(/`([A-Z][A-Z_]{3,})`/g)].map((m) => m[1] ?? '');
    expect(mentioned.filter((code) => !known.has(code))).toEqual([]);
  });
});
