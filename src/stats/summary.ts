import { mean, medianAbsoluteDeviation, sampleStandardDeviation } from 'simple-statistics';
import { medianConfidenceInterval, type MedianInterval } from './median-ci.ts';
import { outlierIndices } from './outliers.ts';
import { median, quantileSorted } from './percentiles.ts';

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly median: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  readonly stddev: number;
  /** Median absolute deviation, unscaled. */
  readonly mad: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** 95% interval for the median; null when there are too few values for one. */
  readonly medianCi: MedianInterval | null;
  /** How many values are outliers by modified Z-score. */
  readonly outliers: number;
}

/** Everything a report says about one set of samples. NaN throughout (count 0) for no samples. */
export function summarize(values: readonly number[], confidence = 0.95): Summary {
  const n = values.length;
  if (n === 0) {
    const nan = Number.NaN;
    return { count: 0, mean: nan, median: nan, stddev: nan, mad: nan, min: nan, p50: nan, p90: nan, p99: nan, max: nan, medianCi: null, outliers: 0 };
  }
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: n,
    mean: mean(sorted),
    median: median(sorted),
    stddev: n > 1 ? sampleStandardDeviation(sorted) : 0,
    mad: medianAbsoluteDeviation(sorted),
    min: sorted[0] as number,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[n - 1] as number,
    medianCi: medianConfidenceInterval(sorted, confidence),
    outliers: outlierIndices(sorted).length,
  };
}
