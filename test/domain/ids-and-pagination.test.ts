import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import { decodeCursor, encodeCursor, toPage } from '../../src/domain/pagination.js';

describe('ids', () => {
  it('are RFC 9562 version 7 UUIDs carrying their millisecond', () => {
    const at = Date.parse('2026-11-29T04:06:46.123Z');
    const id = newId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(at);
  });

  it('sort in creation order, even thousands within one millisecond', () => {
    const at = Date.now() + 60_000;
    const ids = Array.from({ length: 5000 }, () => newId(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never repeat their random part, across many draws of the random pool', () => {
    // 62 random bits after the version, counter and variant: 5,000 ids span about 20 refills
    // of the pool, and a pool handed out twice would repeat tails.
    const tails = new Set(Array.from({ length: 5000 }, () => newId().slice(19)));
    expect(tails.size).toBe(5000);
  });
});

describe('cursors', () => {
  it('round-trip a keyset', () => {
    expect(decodeCursor(encodeCursor(['a', 'b']), 2)).toEqual(['a', 'b']);
  });

  it.each([
    ['garbage'],
    [encodeCursor(['a'])],
    [Buffer.from('{"a":1}').toString('base64url')],
    [Buffer.from('[1,2]').toString('base64url')],
  ])('refuses %j with VALIDATION_FAILED on the cursor field', (cursor) => {
    let error: unknown;
    try {
      decodeCursor(cursor, 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    // The domain names the field; the HTTP layer places it (`/querystring/cursor`, asserted by
    // the API suites).
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
  });

  it('gives a next cursor only when a further row exists', () => {
    const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }];
    const full = toPage(
      rows,
      2,
      (r) => [r.k],
      (r) => r.k,
    );
    expect(full.items).toEqual(['a', 'b']);
    expect(decodeCursor(full.nextCursor ?? '', 1)).toEqual(['b']);
    expect(
      toPage(
        rows.slice(0, 2),
        2,
        (r) => [r.k],
        (r) => r.k,
      ).nextCursor,
    ).toBeNull();
  });
});
