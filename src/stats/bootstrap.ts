import { Rng } from '../core/rng.ts';
import { medianInPlace, quantileSorted } from './percentiles.ts';

export interface Interval {
  readonly low: number;
  readonly high: number;
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
