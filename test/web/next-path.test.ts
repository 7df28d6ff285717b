import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeNext, signInPath } from '../../web/src/next-path.js';

describe('where sign-in returns to', () => {
  it('keeps a path of this site, with its query and fragment', () => {
    for (const path of [
      '/',
      '/orgs/acme/admin/tokens',
      '/orgs/acme/admin/tokens?status=revoked',
      '/a#b',
    ]) {
      expect(safeNext(path)).toBe(path);
    }
    const back = new URL(signInPath('/orgs/a?q=x y'), 'https://orgtoken.invalid');
    expect(safeNext(back.searchParams.get('next'))).toBe('/orgs/a?q=x%20y');
  });

  it('never leaves the site: anything else goes home', () => {
    for (const next of [
      null,
      '',
      'https://evil.example/',
      '//evil.example/',
      '//',
      '//[evil',
      '/\\evil.example/',
      '\\\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/%0a',
      'javascript:alert(1)',
      ' /orgs',
      'orgs/acme',
    ]) {
      const target = safeNext(next);
      expect(new URL(target, 'https://orgtoken.invalid').origin, String(next)).toBe(
        'https://orgtoken.invalid',
      );
      expect(target.startsWith('//'), String(next)).toBe(false);
    }
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\t/evil.example')).toBe('/');
  });

  it('goes home when resolving dot segments would make a protocol-relative address', () => {
    for (const next of [
      '/..//evil.example',
      '/./..//evil.example',
      '/%2e%2e//evil.example',
      '/%2E%2E//evil.example/x?y#z',
      '/.%2e//evil.example',
      '/a/../..//evil.example',
      '/../..//evil.example',
      '/..///evil.example',
    ]) {
      expect(safeNext(next), next).toBe('/');
    }
    // Dot segments that stay on a path of this site are resolved as a browser would.
    expect(safeNext('/orgs/acme/../beta')).toBe('/orgs/beta');
    expect(safeNext('/../orgs')).toBe('/orgs');
  });

  it('whatever it is given, returns one leading slash and a path of this site', () => {
    // Inputs built from the pieces of known escapes, plus arbitrary text.
    const piece = fc.constantFrom(
      '/',
      '//',
      '\\',
      '.',
      '..',
      '%2e',
      '%2E',
      '%2f',
      '%5c',
      '%00',
      '\t',
      '\n',
      '@',
      ':',
      '?',
      '#',
      'evil.example',
      'https:',
      'a',
    );
    const input = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ maxLength: 30 }).map((rest) => `/${rest}`),
    );
    fc.assert(
      fc.property(input, (next) => {
        const target = safeNext(next);
        expect(target).toMatch(/^\/(?![/\\])/);
        const url = new URL(target, 'https://orgtoken.invalid');
        expect(url.origin).toBe('https://orgtoken.invalid');
        // What a browser would then do with it: go exactly there, on this site.
        expect(`${url.pathname}${url.search}${url.hash}`).toBe(target);
      }),
      { numRuns: 2000 },
    );
  });
});
