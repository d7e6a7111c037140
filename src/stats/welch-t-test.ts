import { mean, sampleVariance } from 'simple-statistics';
import { studentTCdf } from './student-t-distribution.ts';

export interface WelchResult {
  readonly t: number;
  /** Welch-Satterthwaite degrees of freedom (fractional). */
  readonly df: number;
  /** Two-sided p-value. */
  readonly p: number;
}

/**
 * Welch's unequal-variance t test, two-sided (R's t.test default). Needs two values on each side; NaN
 * otherwise. With no variance on either side the means are either equal (p = 1) or certainly not (p = 0).
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  if (a.length < 2 || b.length < 2) return { t: Number.NaN, df: Number.NaN, p: Number.NaN };
  const va = sampleVariance([...a]) / a.length;
  const vb = sampleVariance([...b]) / b.length;
  const diff = mean([...a]) - mean([...b]);
  const se2 = va + vb;
  if (se2 === 0) return { t: diff === 0 ? 0 : Math.sign(diff) * Number.POSITIVE_INFINITY, df: a.length + b.length - 2, p: diff === 0 ? 1 : 0 };
  const t = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  return { t, df, p: Math.min(1, 2 * studentTCdf(-Math.abs(t), df)) };
}
