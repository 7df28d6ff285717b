import { describe, expect, it } from 'vitest';
import { WriteBatches } from '../../src/runtime/write-batches.js';

/** A write function whose calls wait until the test lets them end, and record their items. */
function heldWrites(fails: (items: readonly string[]) => boolean = () => false) {
  const calls: string[][] = [];
  const pending: Array<() => void> = [];
  const write = (items: readonly string[]) => {
    calls.push([...items]);
    return new Promise<void>((resolve, reject) => {
      pending.push(() =>
        fails(items) ? reject(new Error(`failed: ${items.join(',')}`)) : resolve(),
      );
    });
  };
  /** Ends the oldest write still running, once the batcher has started it. */
  const endNext = async () => {
    await expect.poll(() => pending.length).toBeGreaterThan(0);
    pending.shift()?.();
  };
  return { calls, write, endNext };
}

const outcome = (promise: Promise<void>) =>
  promise.then(
    () => 'written',
    (error: Error) => error.message,
  );

describe('write batches', () => {
  it('starts a lone write after a turn of the event loop, and writes those that arrive meanwhile together, in order', async () => {
    const held = heldWrites();
    const batches = new WriteBatches(held.write, {
      weight: () => 1,
      maxWeight: 10,
      itemFault: () => true,
    });
    const first = outcome(batches.write('a'));
    // Those that come in the same turn are written with it.
    const same = outcome(batches.write('b'));
    await expect.poll(() => held.calls).toEqual([['a', 'b']]);
    const later = ['c', 'd', 'e'].map((item) => outcome(batches.write(item)));
    // Not before the running write ends.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(held.calls).toHaveLength(1);
    await held.endNext();
    await held.endNext();
    expect([await first, await same]).toEqual(['written', 'written']);
    expect(await Promise.all(later)).toEqual(['written', 'written', 'written']);
    expect(held.calls).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    // Quiet again: the next write starts on its own.
    const next = outcome(batches.write('f'));
    await held.endNext();
    expect(await next).toBe('written');
    expect(held.calls.at(-1)).toEqual(['f']);
  });

  it('keeps a batch within its weight, and writes an item heavier than that alone', async () => {
    const held = heldWrites();
    const weights: Record<string, number> = { a: 1, b: 2, c: 2, d: 9, e: 1 };
    const batches = new WriteBatches(held.write, {
      weight: (item) => weights[item] ?? 0,
      maxWeight: 4,
      itemFault: () => true,
    });
    const all = ['a', 'b', 'c', 'd', 'e'].map((item) => outcome(batches.write(item)));
    for (let i = 0; i < 4; i += 1) await held.endNext();
    expect(await Promise.all(all)).toEqual(Array(5).fill('written'));
    expect(held.calls).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
  });

  it('gives a failed batch’s writes their own outcomes, each tried again alone', async () => {
    const held = heldWrites((items) => items.includes('bad'));
    const batches = new WriteBatches(held.write, {
      weight: () => 1,
      maxWeight: 10,
      itemFault: () => true,
    });
    const first = outcome(batches.write('a'));
    await expect.poll(() => held.calls).toEqual([['a']]);
    const batch = ['b', 'bad', 'c'].map((item) => outcome(batches.write(item)));
    for (let i = 0; i < 5; i += 1) await held.endNext();
    expect(await first).toBe('written');
    expect(await Promise.all(batch)).toEqual(['written', 'failed: bad', 'written']);
    expect(held.calls).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    // The failure stopped nothing: a later write goes through.
    const after = outcome(batches.write('d'));
    await held.endNext();
    expect(await after).toBe('written');
  });

  it('refuses a lone write that fails with its error, once', async () => {
    const held = heldWrites(() => true);
    const batches = new WriteBatches(held.write, {
      weight: () => 1,
      maxWeight: 10,
      itemFault: () => true,
    });
    const lone = outcome(batches.write('x'));
    await held.endNext();
    expect(await lone).toBe('failed: x');
    expect(held.calls).toEqual([['x']]);
  });

  it('gives every write of a batch the batch’s error when it is no item’s fault', async () => {
    const held = heldWrites((items) => items.length > 1);
    const batches = new WriteBatches(held.write, {
      weight: () => 1,
      maxWeight: 10,
      itemFault: (error) => !(error as Error).message.includes('b,c'),
    });
    const both = ['b', 'c'].map((item) => outcome(batches.write(item)));
    await held.endNext();
    expect(await Promise.all(both)).toEqual(['failed: b,c', 'failed: b,c']);
    // Not tried again one by one: a database gone would make each wait its turn to fail.
    expect(held.calls).toEqual([['b', 'c']]);
  });

  it('starts the next batch beside one that is slow, and settles each as its own ends', async () => {
    const held = heldWrites();
    const batches = new WriteBatches(held.write, {
      weight: () => 1,
      maxWeight: 10,
      itemFault: () => true,
      slowAfterMs: 50,
    });
    const stuck = outcome(batches.write('stuck'));
    await expect.poll(() => held.calls).toEqual([['stuck']]);
    const next = outcome(batches.write('next'));
    // Within the slow limit the next one waits; after it, it runs beside the stuck one.
    expect(held.calls).toHaveLength(1);
    await expect.poll(() => held.calls).toEqual([['stuck'], ['next']]);
    await held.endNext();
    await held.endNext();
    expect([await stuck, await next]).toEqual(['written', 'written']);
  });
});
