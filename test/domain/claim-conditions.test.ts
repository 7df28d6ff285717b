import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allConditionsPass,
  checkConditions,
  evaluateConditions,
  globMatches,
  immutableIdAlternative,
  isImmutableIdClaim,
} from '../../src/domain/claim-conditions.js';

/** The meaning of a glob, as a regular expression: only for small inputs in this test. */
function referenceMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${source}$`).test(value);
}

describe('globMatches', () => {
  it.each([
    ['refs/heads/main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/heads/mainline', false],
    ['refs/heads/*', 'refs/heads/main', true],
    ['refs/heads/*', 'refs/heads/release/1.2', true],
    ['refs/heads/*', 'refs/heads/', true],
    ['refs/heads/*', 'refs/tags/v1', false],
    ['*/ledger-api', 'lumen-works/ledger-api', true],
    ['lumen-works/*-api', 'lumen-works/ledger-api', true],
    ['lumen-works/*-api', 'lumen-works/ledger-apis', false],
    ['a*b*c', 'a-x-b-y-c', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['a*a', 'a', false],
    ['a**b', 'ab', true],
    ['*', '', true],
    ['', '', true],
    ['Main', 'main', false],
    ['refs/heads/MAIN', 'refs/heads/main', false],
    ['.*', 'x', false],
    ['[a]', 'a', false],
    ['?', 'a', false],
  ])('%j against %j is %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });

  it('means what the equivalent anchored regular expression means, for any pattern', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', '*'), maxLength: 12 });
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.'), maxLength: 16 });
    fc.assert(
      fc.property(text, value, (pattern, candidate) => {
        expect(globMatches(pattern, candidate)).toBe(referenceMatch(pattern, candidate));
      }),
      { numRuns: 3000 },
    );
  });

  // Inputs that make a backtracking matcher (or a regular expression built from the pattern)
  // take time proportional to the product of the lengths, or exponential time.
  it.each([
    ['a*a*a*…b', `${'a*'.repeat(249)}b`],
    ['*aaa…ab (the last piece nearly matches everywhere)', `*${'a'.repeat(498)}b`],
    ['*aaa…ab* (a middle piece nearly matches everywhere)', `*${'a'.repeat(497)}b*`],
    ['aaa…a*aaa…ab', `${'a'.repeat(250)}*${'a'.repeat(248)}b`],
  ])('answers %s against 100 000 a quickly', (_name, pattern) => {
    const value = 'a'.repeat(100_000);
    const started = performance.now();
    expect(globMatches(pattern, value)).toBe(false);
    expect(globMatches(pattern, `${value}b`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('evaluateConditions', () => {
  const claims = {
    repository_owner_id: '5820147',
    repository: 'lumen-works/ledger-api',
    ref: 'refs/heads/feature/secret-launch-plan',
    runner_id: 31,
    ref_protected: 'true',
    protected_flag: true,
    groups: ['a', 'b'],
    nothing: null,
    nested: { value: 'x' },
  };

  it('passes conditions whose claims match, exactly or by glob', () => {
    const results = evaluateConditions(
      { repository_owner_id: '5820147', repository: 'lumen-works/*', ref_protected: 'true' },
      claims,
    );
    expect(results).toEqual([
      { claim: 'repository_owner_id', expected: '5820147', ok: true },
      { claim: 'repository', expected: 'lumen-works/*', ok: true },
      { claim: 'ref_protected', expected: 'true', ok: true },
    ]);
    expect(allConditionsPass(results)).toBe(true);
  });

  it('names each failed condition with its reason, in the conditions order', () => {
    const results = evaluateConditions(
      {
        ref: 'refs/heads/main',
        environment: 'production',
        groups: 'a',
        nothing: '*',
        nested: 'x',
        repository_owner_id: '1',
      },
      claims,
    );
    expect(results).toEqual([
      { claim: 'ref', expected: 'refs/heads/main', ok: false, reason: 'mismatch' },
      { claim: 'environment', expected: 'production', ok: false, reason: 'missing' },
      { claim: 'groups', expected: 'a', ok: false, reason: 'not a string' },
      { claim: 'nothing', expected: '*', ok: false, reason: 'not a string' },
      { claim: 'nested', expected: 'x', ok: false, reason: 'not a string' },
      { claim: 'repository_owner_id', expected: '1', ok: false, reason: 'mismatch' },
    ]);
    expect(allConditionsPass(results)).toBe(false);
  });

  it('never puts the claim value of the token in its results', () => {
    const results = evaluateConditions({ ref: 'refs/heads/main', runner_id: '7' }, claims);
    const text = JSON.stringify(results);
    expect(text).not.toContain('secret-launch-plan');
    expect(text).not.toContain('31');
  });

  it('compares numbers and booleans by their JSON text', () => {
    const results = evaluateConditions(
      { runner_id: '31', protected_flag: 'true', ref_protected: 'tru*' },
      claims,
    );
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    expect(evaluateConditions({ runner_id: '31.0' }, claims)[0]?.ok).toBe(false);
  });

  it('treats a property inherited from Object.prototype as missing', () => {
    const results = evaluateConditions({ constructor: '*', toString: '*' }, claims);
    expect(results.map((result) => result.reason)).toEqual(['missing', 'missing']);
  });

  it('matches case-sensitively', () => {
    expect(evaluateConditions({ repository: 'Lumen-Works/*' }, claims)[0]).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });
});

describe('checkConditions', () => {
  it('accepts conditions that pin an owner id next to globs and a lone *', () => {
    expect(
      checkConditions({ repository_owner_id: '5820147', ref: 'refs/heads/*', environment: '*' }),
    ).toBeNull();
    expect(checkConditions({ 'custom.claim:v1-x': 'x' })).toBeNull();
  });

  it.each([
    [[], /must be an object/],
    [null, /must be an object/],
    ['ref', /must be an object/],
    [{}, /at least one condition/],
    [Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`c${i}`, 'x'])), /at most 20/],
    [{ '1ref': 'x' }, /claim name "1ref" must start with a letter/],
    [{ [`a${'b'.repeat(64)}`]: 'x' }, /claim name "ab+…" must start/],
    [{ 'ref name': 'x' }, /claim name/],
    [{ 'https://example.com/claim': 'x' }, /claim name/],
    [{ iss: 'x' }, /claim iss cannot be a condition: the policy names its issuer/],
    [{ aud: 'x' }, /claim aud cannot be a condition/],
    [{ jti: 'x' }, /claim jti cannot be a condition: it is checked by verification/],
    [{ exp: '1' }, /claim exp cannot be a condition/],
    [{ ref: 7 }, /claims.ref must be a string/],
    [{ ref: '' }, /claims.ref must hold 1 to 500 characters/],
    [{ ref: 'x'.repeat(501) }, /claims.ref must hold 1 to 500 characters/],
    [{ ref: 'refs/heads/main\n' }, /printable characters only/],
    [{ ref: 'refs/heads/\u202emain' }, /printable characters only/],
    [{ ref: 'refs/heads/\u200bmain' }, /printable characters only/],
    [{ ref: '*' }, /at least one condition must constrain its value/],
    [{ ref: '**', environment: '*' }, /at least one condition must constrain its value/],
  ])('refuses %j', (conditions, message) => {
    expect(checkConditions(conditions)).toMatch(message);
  });

  it('accepts 20 conditions and 500-character patterns in other scripts', () => {
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}`, 'x']));
    expect(checkConditions(twenty)).toBeNull();
    expect(checkConditions({ environment: 'é'.repeat(500) })).toBeNull();
    expect(checkConditions({ environment: 'prod east' })).toBeNull();
  });
});

describe('immutable id claims (the UI advice)', () => {
  it.each(['repository_owner_id', 'repository_id', 'namespace_id', 'project_id', 'owner_id'])(
    '%s is an immutable id',
    (name) => expect(isImmutableIdClaim(name)).toBe(true),
  );

  it.each(['repository_owner', 'repository', 'project_path', 'pipeline_id', 'run_id', 'ref'])(
    '%s is not',
    (name) => expect(isImmutableIdClaim(name)).toBe(false),
  );

  it('names the id to prefer over a name claim', () => {
    expect(immutableIdAlternative('repository_owner')).toBe('repository_owner_id');
    expect(immutableIdAlternative('project_path')).toBe('project_id');
    expect(immutableIdAlternative('namespace_path')).toBe('namespace_id');
    expect(immutableIdAlternative('ref')).toBeNull();
    expect(immutableIdAlternative('constructor')).toBeNull();
  });
});
