import { describe, expect, it } from 'vitest';
import { FailureLimiter, RecentDigests } from '../../src/runtime/rate-limits.js';

describe('failure limiter', () => {
  it('blocks at the limit until the window ends, and forgets a reset key', () => {
    const limiter = new FailureLimiter(2, 1000);
    limiter.fail('k', 0);
    expect(limiter.retryAfter('k', 10)).toBe(0);
    limiter.fail('k', 10);
    expect(limiter.retryAfter('k', 10)).toBe(1);
    expect(limiter.retryAfter('k', 1000)).toBe(0);
    limiter.fail('k', 1000);
    limiter.fail('k', 1000);
    limiter.reset('k');
    expect(limiter.retryAfter('k', 1001)).toBe(0);
  });

  it('answers each failure from the count it made: 0 up to the limit, then the seconds left', () => {
    const limiter = new FailureLimiter(2, 10_000);
    expect([limiter.fail('k', 0), limiter.fail('k', 1000), limiter.fail('k', 2500)]).toEqual([
      0, 0, 8,
    ]);
    expect(limiter.knownBlockedFor('k', 2500)).toBe(8);
    limiter.undo('k');
    expect(limiter.fail('k', 3000)).toBe(7);
    // The window started at the first failure, blocked ones included, and ends with it.
    expect(limiter.fail('k', 10_000)).toBe(0);
  });

  it('stays bounded', () => {
    const limiter = new FailureLimiter(1, 1000, 10);
    for (let i = 0; i < 100; i += 1) limiter.fail(`k${i}`, 0);
    expect(limiter.retryAfter('k0', 1)).toBe(0);
    expect(limiter.retryAfter('k99', 1)).toBe(1);
  });
});

describe('recently unknown digests', () => {
  it('remembers a digest for its time to live, and forgets the oldest past its bound', () => {
    const recent = new RecentDigests(1000, 2);
    recent.add('a', 0);
    expect(recent.has('a', 999)).toBe(true);
    expect(recent.has('a', 1000)).toBe(false);
    recent.add('b', 0);
    recent.add('c', 0);
    recent.add('d', 0);
    expect(recent.has('b', 1)).toBe(false);
    expect(recent.has('d', 1)).toBe(true);
  });
});
