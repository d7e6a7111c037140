import { mean } from 'simple-statistics';
import { median } from './percentiles.ts';

/** Iglewicz and Hoaglin's cut-off: |modified Z| above 3.5 marks an outlier (hyperfine uses the same). */
export const MODIFIED_Z_OUTLIER_THRESHOLD = 3.5;

/**
 * Modified Z-scores, 0.6745 * (x - median) / MAD. When over half the values are equal the MAD is 0; then the
 * mean absolute deviation stands in (scaled by 1.2533 so both estimate the same sigma), as IBM's SPSS does.
 * All zeros when every value is equal.
 */
export function modifiedZScores(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const m = median([...values]);
  const deviations = values.map((v) => Math.abs(v - m));
  const mad = median(deviations);
  if (mad > 0) return values.map((v) => (0.6745 * (v - m)) / mad);
  const meanAbsolute = mean(deviations);
  if (meanAbsolute > 0) return values.map((v) => (v - m) / (1.253314 * meanAbsolute));
  return values.map(() => 0);
}

/** Indices of the values whose modified Z-score is beyond the threshold. */
export function outlierIndices(values: readonly number[], threshold = MODIFIED_Z_OUTLIER_THRESHOLD): number[] {
  const out: number[] = [];
  modifiedZScores(values).forEach((z, i) => {
    if (Math.abs(z) > threshold) out.push(i);
  });
  return out;
}
