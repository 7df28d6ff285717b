import { describe, expect, it } from 'vitest';
import { VerificationCache } from '../../src/runtime/verification-cache.js';
import { SharedValues } from '../../src/runtime/verifier.js';

describe('verification cache bounds', () => {
  const entry = (tokenId: string, orgId = 'org', userId: string | null = null) =>
    ({ tokenId, orgId, userId }) as never;

  it('keeps at most its maximum, dropping the oldest entry (the closest to expiry)', () => {
    const cache = new VerificationCache(3);
    cache.set('a', entry('1'), 0);
    cache.set('b', entry('2'), 1);
    cache.set('c', entry('3'), 2);
    cache.set('a', entry('1'), 3); // refreshed after a look-up: now the youngest
    cache.set('d', entry('4'), 4);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 5)).toBeUndefined();
    expect(cache.get('a', 5)).toBeDefined();
    expect(cache.get('c', 5)).toBeDefined();
  });

  it('evicts by token, organization and user', () => {
    const cache = new VerificationCache(10);
    cache.set('a', entry('1', 'o1'), 0);
    cache.set('a2', entry('1', 'o1'), 0);
    cache.set('b', entry('2', 'o2'), 0);
    cache.set('c', entry('3', 'o3', 'u1'), 0);
    cache.token('1');
    expect([cache.get('a', 0), cache.get('a2', 0)]).toEqual([undefined, undefined]);
    cache.org('o2');
    expect(cache.get('b', 0)).toBeUndefined();
    cache.user('u1');
    expect(cache.get('c', 0)).toBeUndefined();
  });

  it('never serves an entry 30 seconds old, nor one from the future', () => {
    const cache = new VerificationCache(10);
    cache.set('a', entry('1'), 1000);
    expect(cache.get('a', 30_999)).toBeDefined();
    expect(cache.get('a', 31_000)).toBeUndefined();
    cache.set('b', entry('2'), 1000);
    expect(cache.get('b', 999)).toBeUndefined();
  });
});

describe('verification cache generations', () => {
  it('does not cache a look-up that started before an eviction', () => {
    const cache = new VerificationCache(10);
    const before = cache.generation;
    cache.token('some-other-token'); // an eviction lands while a look-up is in flight
    cache.set('a', { tokenId: '1', orgId: 'o', userId: null } as never, 0, before);
    expect(cache.get('a', 0)).toBeUndefined();
    cache.set('a', { tokenId: '1', orgId: 'o', userId: null } as never, 0, cache.generation);
    expect(cache.get('a', 0)).toBeDefined();
  });
});

describe('shared values of cached tokens', () => {
  it('answers equal texts with one frozen value, and equal strings with one instance', () => {
    const shared = new SharedValues();
    const first = shared.json<{ mode: string; keys: string[] }>('{"mode":"selected","keys":["a"]}');
    const second = shared.json<{ mode: string; keys: string[] }>(
      ['{"mode":"selected",', '"keys":["a"]}'].join(''),
    );
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.keys)).toBe(true);
    const text = ['org', 'id'].join('-');
    expect(shared.string(text)).toBe(text);
    expect(shared.string(['org-', 'id'].join(''))).toBe(text);
  });

  it('starts afresh past its bound, and parses long texts for the one caller', () => {
    const shared = new SharedValues(2, 20);
    const one = shared.json<string[]>('["one"]');
    shared.json('["two"]');
    shared.json('["three"]');
    expect(shared.json<string[]>('["one"]')).not.toBe(one);
    expect(shared.json<string[]>('["one"]')).toEqual(['one']);
    const long = `[${'"x",'.repeat(10)}"x"]`;
    const parsed = shared.json<string[]>(long);
    expect(parsed).toHaveLength(11);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(shared.json(long)).not.toBe(parsed);
  });
});
