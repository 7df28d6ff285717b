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
});
