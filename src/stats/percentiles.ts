// Quantiles and the median are defined once, in core/quantile.ts (type 7); reports take them from here.
import { quantile } from '../core/quantile.ts';

export { median, medianInPlace, quantile, quantileSorted } from '../core/quantile.ts';

export interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  return { p50: quantile(values, 0.5), p99: quantile(values, 0.99), max: values.length === 0 ? Number.NaN : Math.max(...values) };
}
