import { normalCdf } from './normal-distribution.ts';
import { midRanks } from './ranks.ts';

export interface MannWhitneyResult {
  /** U for the first sample: how many (a, b) pairs have a > b, ties counting one half (R's W). */
  readonly u: number;
  /** Two-sided p-value. */
  readonly p: number;
  readonly method: 'exact' | 'normal';
}

/** Below this size on both sides and without ties, the exact distribution is cheap (R uses the same rule). */
const EXACT_LIMIT = 50;

/**
 * Mann-Whitney U (Wilcoxon rank-sum) test, two-sided, matching R's wilcox.test: exact p from the U
 * distribution for small samples without ties, otherwise the normal approximation with tie correction and
 * continuity correction. NaN p when either side is empty.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, p: Number.NaN, method: 'normal' };
  const { ranks, ties } = midRanks([...a, ...b]);
  let rankSumA = 0;
  for (let i = 0; i < n1; i++) rankSumA += ranks[i] as number;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  if (ties.length === 0 && n1 < EXACT_LIMIT && n2 < EXACT_LIMIT) {
    const cdf = uDistributionCdf(n1, n2);
    const lower = u > (n1 * n2) / 2 ? 1 - (cdf[u - 1] as number) : (cdf[u] as number);
    return { u, p: Math.min(1, 2 * lower), method: 'exact' };
  }
  const n = n1 + n2;
  const tieTerm = ties.reduce((s, t) => s + t * t * t - t, 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u, p: 1, method: 'normal' };
  const centred = u - (n1 * n2) / 2;
  const z = (centred - Math.sign(centred) * 0.5) / sigma;
  return { u, p: Math.min(1, 2 * Math.min(normalCdf(z), 1 - normalCdf(z))), method: 'normal' };
}

/**
 * Cumulative distribution of U under the null for sizes n1, n2 without ties: index u holds P(U <= u).
 * Counts of arrangements by the recurrence f(n1, n2, u) = f(n1 - 1, n2, u - n2) + f(n1, n2 - 1, u).
 */
function uDistributionCdf(n1: number, n2: number): number[] {
  const max = n1 * n2;
  // counts[j][u] for the current i (first-sample size), j second-sample size 0..n2.
  let prev: Float64Array[] = Array.from({ length: n2 + 1 }, () => {
    const row = new Float64Array(max + 1);
    row[0] = 1;
    return row;
  });
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const row = new Float64Array(max + 1);
      if (j === 0) row[0] = 1;
      else {
        const left = cur[j - 1] as Float64Array;
        const up = prev[j] as Float64Array;
        for (let v = 0; v <= i * j; v++) row[v] = (left[v] as number) + (v >= j ? (up[v - j] as number) : 0);
      }
      cur.push(row);
    }
    prev = cur;
  }
  const counts = prev[n2] as Float64Array;
  let total = 0;
  for (const c of counts) total += c;
  const cdf: number[] = [];
  let running = 0;
  for (const c of counts) {
    running += c;
    cdf.push(running / total);
  }
  return cdf;
}
