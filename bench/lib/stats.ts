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

/** `items` rotated by `round`: each round starts with another item, so none always follows the same one. */
export function rotated<T>(items: T[], round: number): T[] {
  const first = round % items.length;
  return [...items.slice(first), ...items.slice(0, first)];
}
