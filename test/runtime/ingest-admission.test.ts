import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { IngestPool } from '../../src/runtime/ingest-pool.js';

/** The refusal `admit` throws, or null when it admits (the place is then kept in `held`). */
function refusalOf(pool: IngestPool, orgId: string, held: Array<() => void>): AppError | null {
  try {
    held.push(pool.admit(orgId));
    return null;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

describe('ingest admission', () => {
  it('keeps part of the queue for other organizations when one holds its share', () => {
    // Two parsers and four waiting places: one organization may hold 2 + 2.
    const pool = new IngestPool({ concurrency: 2, queue: 4 });
    const held: Array<() => void> = [];
    for (let i = 0; i < 4; i += 1) expect(refusalOf(pool, 'org-a', held)).toBeNull();
    const refused = refusalOf(pool, 'org-a', held);
    expect(refused?.code).toBe('INGEST_BUSY');
    expect(refused?.message).toMatch(/this organization's uploads/i);
    expect(refused?.retryAfterSeconds).toBeGreaterThan(0);
    // Another organization still gets the two places left, then the instance is full.
    expect(refusalOf(pool, 'org-b', held)).toBeNull();
    expect(refusalOf(pool, 'org-b', held)).toBeNull();
    const full = refusalOf(pool, 'org-c', held);
    expect(full?.code).toBe('INGEST_BUSY');
    expect(full?.message).not.toMatch(/this organization/i);
    expect(pool.admitted).toBe(6);
    expect(pool.heldBy('org-a')).toBe(4);
    expect(pool.heldBy('org-b')).toBe(2);
  });

  it('gives an organization its place back once, whatever the release calls', () => {
    const pool = new IngestPool({ concurrency: 1, queue: 2 });
    const held: Array<() => void> = [];
    expect(refusalOf(pool, 'org-a', held)).toBeNull();
    expect(refusalOf(pool, 'org-a', held)).toBeNull();
    expect(refusalOf(pool, 'org-a', held)?.code).toBe('INGEST_BUSY');
    const [first] = held;
    first?.();
    first?.();
    expect(pool.heldBy('org-a')).toBe(1);
    expect(pool.admitted).toBe(1);
    expect(refusalOf(pool, 'org-a', held)).toBeNull();
    expect(refusalOf(pool, 'org-a', held)?.code).toBe('INGEST_BUSY');
    for (const release of held) release();
    expect(pool.heldBy('org-a')).toBe(0);
    expect(pool.admitted).toBe(0);
  });

  it('lets one organization take every place when told, or when there is no queue', () => {
    for (const pool of [
      new IngestPool({ concurrency: 2, queue: 4, orgShare: 6 }),
      new IngestPool({ concurrency: 6, queue: 0 }),
    ]) {
      const held: Array<() => void> = [];
      for (let i = 0; i < 6; i += 1) expect(refusalOf(pool, 'org-a', held)).toBeNull();
      expect(refusalOf(pool, 'org-b', held)?.code).toBe('INGEST_BUSY');
    }
  });
});
