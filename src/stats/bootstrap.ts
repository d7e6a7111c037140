import { Rng } from '../core/rng.ts';
import { quantileSorted } from './percentiles.ts';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** k-th smallest (0-based) of `values`, reordering them in place (Hoare's quickselect): O(n) per median. */
function selectInPlace(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k] as number;
}

function medianInPlace(values: Float64Array): number {
  const n = values.length;
  const upper = selectInPlace(values, n >> 1);
  if (n % 2 === 1) return upper;
  // After selection everything left of n/2 is <= upper: the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i++) lower = Math.max(lower, values[i] as number);
  return (lower + upper) / 2;
}

export interface MedianDeltaBootstrap {
  /** Interval for median(b) - median(a). */
  readonly absolute: Interval;
  /** Interval for (median(b) - median(a)) / median(a); null when a resampled median of a is 0. */
  readonly relative: Interval | null;
}

/**
 * Percentile-bootstrap interval for the difference of medians between two independent samples. The RNG
 * stream is derived from `seed`, so the same samples always give the same interval.
 */
export function bootstrapMedianDelta(
  a: readonly number[],
  b: readonly number[],
  options: { confidence?: number; resamples?: number; seed?: number | string } = {},
): MedianDeltaBootstrap | null {
  const { confidence = 0.95, resamples = 2000, seed = 0 } = options;
  if (a.length === 0 || b.length === 0) return null;
  const rng = Rng.derive(seed, 'bootstrap-median-delta');
  const bufA = new Float64Array(a.length);
  const bufB = new Float64Array(b.length);
  const absolute = new Float64Array(resamples);
  const relative = new Float64Array(resamples);
  let relativeDefined = true;
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) bufA[i] = a[Math.floor(rng.next() * a.length)] as number;
    for (let i = 0; i < b.length; i++) bufB[i] = b[Math.floor(rng.next() * b.length)] as number;
    const ma = medianInPlace(bufA);
    const mb = medianInPlace(bufB);
    absolute[r] = mb - ma;
    if (ma === 0) relativeDefined = false;
    else relative[r] = (mb - ma) / ma;
  }
  const tail = (1 - confidence) / 2;
  const interval = (draws: Float64Array): Interval => {
    const sorted = Array.from(draws.sort());
    return { low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
  };
  return { absolute: interval(absolute), relative: relativeDefined ? interval(relative) : null };
}
