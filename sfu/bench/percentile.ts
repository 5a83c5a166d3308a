/** Nearest-rank percentile (q in 0..1) of an ascending sample; NaN for an empty one. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}
