/**
 * The one definition of a quantile and a median in shipbench: linear interpolation between order statistics,
 * Hyndman and Fan's type 7 (R's and numpy's default), so an even count's median is the mean of the two middle
 * values. It lives in core because every layer needs it (metrics may import only core); stats/percentiles.ts
 * is its public face for reports. Nobody else sorts and picks a middle value.
 */

/** Type 7 quantile of `values` (any order); NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  return quantileSorted([...values].sort((a, b) => a - b), q);
}

/** Type 7 quantile of values already sorted ascending: saves the sort when several quantiles are taken. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** The median: the type 7 quantile at 0.5; NaN for none. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** k-th smallest (0-based) of `values`, reordering them in place (Hoare's quickselect): O(n). */
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

/**
 * The same median (type 7 at 0.5) without sorting, reordering `values` in place: O(n), for hot loops such as
 * bootstrap resamples. NaN for none.
 */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const upper = selectInPlace(values, n >> 1);
  if (n % 2 === 1) return upper;
  // After selection everything left of n/2 is <= upper: the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i++) lower = Math.max(lower, values[i] as number);
  return (lower + upper) / 2;
}
