import { invalid } from './errors.js';

/** Which projects an organization token may touch. */
export type ProjectScope =
  | { mode: 'all' }
  | { mode: 'selected'; keys: string[]; patterns: string[] };

/** A glob over project keys: key characters plus `*` for any run of characters. */
export const projectPatternPattern = '^[A-Za-z0-9_.:*-]{1,100}$';

/**
 * Glob match in linear time: the literal parts between stars must appear in order, the first
 * at the start and the last at the end. (A regular expression built from the glob, `.*` for
 * each star, backtracks exponentially on patterns like `*a*a*a*a*b`: one such token scope
 * could freeze the whole server.)
 */
export function globMatches(pattern: string, key: string): boolean {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  if (parts.length === 1) return key === pattern;
  const last = parts.at(-1) ?? '';
  if (key.length < first.length + last.length || !key.startsWith(first) || !key.endsWith(last)) {
    return false;
  }
  let position = first.length;
  const end = key.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = key.indexOf(middle, position);
    if (found < 0 || found + middle.length > end) return false;
    position = found + middle.length;
  }
  return true;
}

/** True when `projectKey` is in the scope: every project, a listed key, or a matching pattern. */
export function scopeIncludes(scope: ProjectScope, projectKey: string): boolean {
  if (scope.mode === 'all') return true;
  return (
    scope.keys.includes(projectKey) ||
    scope.patterns.some((pattern) => globMatches(pattern, projectKey))
  );
}

/** A project scope as requests send it: keys and patterns may be left out. */
export type ProjectScopeInput =
  | { mode: 'all' }
  | { mode: 'selected'; keys?: string[] | undefined; patterns?: string[] | undefined };

/**
 * Normalizes a requested scope (missing lists become empty, duplicates go) and checks what
 * the schema cannot: a selected scope names at least one key or pattern.
 */
export function checkScope(scope: ProjectScopeInput, field: string): ProjectScope {
  if (scope.mode === 'all') return { mode: 'all' };
  const keys = [...new Set(scope.keys ?? [])];
  const patterns = [...new Set(scope.patterns ?? [])];
  if (keys.length === 0 && patterns.length === 0) {
    throw invalid(field, 'a selected project scope needs at least one key or pattern');
  }
  return { mode: 'selected', keys, patterns };
}
