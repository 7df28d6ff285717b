/** The value at quantile `q` (0 to 1) of `values`: the nearest rank, no interpolation. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** The median of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/**
 * The median of the per-round ratios `values[i] / to[i]`: two targets are compared within
 * each round (runs seconds apart), since this VM's speed drifts between rounds more than the
 * targets differ within one.
 */
export function pairedRatio(values: number[], to: number[]): number {
  return median(values.map((value, round) => value / (to[round] ?? Number.NaN)));
}

/**
 * `items` in the order of row `round` of a Williams square: the first item moves by one each
 * round, and the others follow it at offsets +1, −1, +2, −2, … For an even count, every item
 * starts one round in each cycle of `items.length` rounds and follows every other item
 * directly exactly once, so that no run always comes after the same one (a run right after an
 * upload run shares the machine with that server's background work, a checkpoint or a
 * vacuum). A plain rotation kept the same order, only starting elsewhere: each item always
 * followed the same one.
 */
export function balancedOrder<T>(items: T[], round: number): T[] {
  const n = items.length;
  return items.map((_, k) => {
    const offset = k % 2 === 1 ? (k + 1) / 2 : -k / 2;
    return items[(((round + offset) % n) + n) % n] as T;
  });
}
