import { errorFunction } from 'simple-statistics';

/** Standard normal cumulative probability P(Z <= z); erf's approximation is good to about 1e-7. */
export function normalCdf(z: number): number {
  if (z === Number.POSITIVE_INFINITY) return 1;
  if (z === Number.NEGATIVE_INFINITY) return 0;
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}
