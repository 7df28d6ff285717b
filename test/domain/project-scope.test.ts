import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatches, scopeIncludes } from '../../src/domain/project-scope.js';

/** The obvious reference: the glob as a regular expression (fine for small inputs). */
function reference(pattern: string, key: string): boolean {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`).test(key);
}

describe('project-scope globs', () => {
  it('match exactly as the regular-expression reading of the glob', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', ':'), maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('*')),
        text,
        (pattern, key) => {
          expect(globMatches(pattern, key)).toBe(reference(pattern, key));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('answers at once for patterns that make a backtracking matcher explode', () => {
    // As a regular expression this takes longer than the test's whole time budget.
    const pattern = `${'*a'.repeat(30)}*b`;
    const key = 'a'.repeat(100);
    expect(globMatches(pattern, key)).toBe(false);
    expect(globMatches(pattern, `${key}b`)).toBe(true);
  });

  it('covers keys and patterns of a selected scope, and everything for all', () => {
    const scope = { mode: 'selected' as const, keys: ['web'], patterns: ['backend-*', '*:lib'] };
    expect(scopeIncludes(scope, 'web')).toBe(true);
    expect(scopeIncludes(scope, 'backend-api')).toBe(true);
    expect(scopeIncludes(scope, 'org:lib')).toBe(true);
    expect(scopeIncludes(scope, 'webapp')).toBe(false);
    expect(scopeIncludes(scope, 'frontend-backend-x')).toBe(false);
    expect(scopeIncludes({ mode: 'all' }, 'anything')).toBe(true);
  });
});
