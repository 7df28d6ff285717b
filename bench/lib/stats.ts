/** The value at quantile `q` (0 to 1) of `values`: the nearest rank, no interpolation. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** The median of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  return quantile(values, 0.5);
}
