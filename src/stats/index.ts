// The stats module's public face: pure functions over number arrays.
export { median, quantile, quantileSorted, spread, type Spread } from './percentiles.ts';
export { summarize, type Summary } from './summary.ts';
export { medianConfidenceInterval, type MedianInterval } from './median-ci.ts';
export { modifiedZScores, outlierIndices, MODIFIED_Z_OUTLIER_THRESHOLD } from './outliers.ts';
export { mannWhitneyU, type MannWhitneyResult } from './mann-whitney.ts';
export { welchTTest, type WelchResult } from './welch-t-test.ts';
export { bootstrapMedianDelta, type Interval, type MedianDeltaBootstrap } from './bootstrap.ts';
export { compareSamples, smallestMannWhitneyP, type Comparison, type CompareOptions, type ComparisonTest } from './compare-samples.ts';
export { measurementWarnings, type MeasurementWarningOptions } from './measurement-warnings.ts';
