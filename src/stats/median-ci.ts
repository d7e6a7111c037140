import { BinomialTails } from './binomial.ts';

export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** Actual coverage of the interval: order statistics give at least the asked confidence, not exactly it. */
  readonly coverage: number;
}

/**
 * Distribution-free confidence interval for the median from order statistics (the binomial method, as
 * benchstat): the k-th smallest and k-th largest values, with k the largest rank whose binomial tail stays
 * within (1 - confidence) / 2. Undefined (null) when even the extremes cover too little (n < 6 at 95%).
 */
export function medianConfidenceInterval(values: readonly number[], confidence = 0.95): MedianInterval | null {
  const n = values.length;
  const alphaHalf = (1 - confidence) / 2;
  // k grows while P(B <= k) stays within alphaHalf; `covered` is P(B <= k - 1) once k > 0.
  const tails = new BinomialTails(n);
  let k = 0;
  let covered = 0;
  while (k + 1 <= n / 2 && tails.value <= alphaHalf) {
    covered = tails.value;
    k++;
    tails.step();
  }
  if (k === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    low: sorted[k - 1] as number,
    high: sorted[n - k] as number,
    coverage: 1 - 2 * covered,
  };
}
