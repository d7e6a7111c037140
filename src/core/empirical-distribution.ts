import type { Rng } from './rng.ts';
import { quantileSorted } from './quantile.ts';

/**
 * Draws from a measured sample instead of a fitted law (model.node.spread's `{ empirical: [...] }`): each draw is
 * the sample's type 7 quantile at a uniform point, so draws fill the measured range by linear interpolation
 * between neighbouring values and never leave it. A bimodal sample (a tenth of the nodes twice as slow) stays
 * bimodal, which no log-normal of the same spread is.
 */

/** The mean of the interpolated distribution a sorted sample stands for (not the sample's mean: the ends weigh half). */
export function empiricalMean(sorted: ArrayLike<number>): number {
  if (sorted.length === 1) return sorted[0]!;
  let sum = 0;
  for (let i = 0; i + 1 < sorted.length; i++) sum += (sorted[i]! + sorted[i + 1]!) / 2;
  return sum / (sorted.length - 1);
}

/** The coefficient of variation of the interpolated distribution (piecewise uniform between neighbours). */
export function empiricalVariation(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mean = empiricalMean(sorted);
  if (sorted.length === 1 || mean === 0) return 0;
  // E[X^2] over each interval [a, b] of weight 1/(n-1): (a^2 + ab + b^2) / 3.
  let square = 0;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    square += (a * a + a * b + b * b) / 3;
  }
  const variance = Math.max(0, square / (sorted.length - 1) - mean * mean);
  return Math.sqrt(variance) / mean;
}

/**
 * n draws from `values` (any order). `mean-one`: divided by the distribution's mean, for multipliers of a
 * configured rate (measured NIC rates in any unit then shape the fleet's NIC, whose mean stays fleet.node.nic);
 * `as-measured`: the values themselves (a start delay in seconds).
 */
export function empiricalDraws(rng: Rng, n: number, values: readonly number[], scale: 'mean-one' | 'as-measured'): Float64Array {
  if (values.length === 0) throw new RangeError('an empirical shape needs at least one value');
  const sorted = Float64Array.from(values).sort();
  const divisor = scale === 'mean-one' ? empiricalMean(sorted) : 1;
  if (!(divisor > 0)) throw new RangeError('an empirical shape of multipliers needs a mean above zero');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = quantileSorted(sorted, rng.next()) / divisor;
  return out;
}
