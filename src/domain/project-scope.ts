import { invalid } from './errors.js';

/** SPEC.md §2: which projects an organization token may touch. */
export type ProjectScope =
  | { mode: 'all' }
  | { mode: 'selected'; keys: string[]; patterns: string[] };

/** A glob over project keys: key characters plus `*` for any run of characters. */
export const projectPatternPattern = '^[A-Za-z0-9_.:*-]{1,100}$';

const compiled = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    const escaped = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${escaped}$`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

/** True when `projectKey` is in the scope: every project, a listed key, or a matching pattern. */
export function scopeIncludes(scope: ProjectScope, projectKey: string): boolean {
  if (scope.mode === 'all') return true;
  return (
    scope.keys.includes(projectKey) ||
    scope.patterns.some((pattern) => globToRegExp(pattern).test(projectKey))
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
