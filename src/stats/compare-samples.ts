import { mannWhitneyU } from './mann-whitney.ts';
import { bootstrapMedianDelta, type Interval } from './bootstrap.ts';
import { summarize, type Summary } from './summary.ts';
import { welchTTest } from './welch-t-test.ts';

export type ComparisonTest = 'mann-whitney' | 'welch';

export interface CompareOptions {
  /** Significance level; a difference counts only when p <= alpha. */
  readonly alpha?: number;
  readonly test?: ComparisonTest;
  /** Seeds the bootstrap for the delta's interval (same samples and seed, same interval). */
  readonly seed?: number | string;
  /** Bootstrap resamples; by default 2000, fewer for very large samples (200 at 10,000 + 10,000). */
  readonly resamples?: number;
}

/** Keeps a comparison of simulated 10,000-node fleets well under a second; small samples get the full 2000. */
function defaultResamples(n: number): number {
  return Math.max(200, Math.min(2000, Math.floor(4_000_000 / Math.max(1, n))));
}

export interface Comparison {
  readonly test: ComparisonTest;
  readonly alpha: number;
  /** The baseline ("before"). */
  readonly a: Summary;
  /** The candidate ("after"). */
  readonly b: Summary;
  /** median(b) - median(a), in the samples' unit. */
  readonly deltaAbsolute: number;
  /** (median(b) - median(a)) / median(a); null when median(a) is 0. */
  readonly deltaRelative: number | null;
  /** 1 - alpha bootstrap interval of deltaAbsolute; null without samples on a side. */
  readonly deltaAbsoluteCi: Interval | null;
  readonly deltaRelativeCi: Interval | null;
  /** Two-sided p-value of the chosen test; NaN when it cannot be computed. */
  readonly p: number;
  /** p <= alpha and enough samples to have told a difference: print the delta; otherwise print `~`. */
  readonly significant: boolean;
  /** Even the most extreme samples could not reach significance at alpha: gather more before concluding. */
  readonly tooFewSamples: boolean;
}

/**
 * The smallest two-sided p the rank test can give for these sizes (all of one sample below all of the
 * other): 2 / C(n1 + n2, n1). Above alpha, no data could be significant (benchstat's "too few samples").
 */
export function smallestMannWhitneyP(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  let logChoose = 0;
  for (let i = 1; i <= n1; i++) logChoose += Math.log(n2 + i) - Math.log(i);
  return Math.min(1, 2 * Math.exp(-logChoose));
}

/**
 * benchstat-style comparison of two independent sample sets (e.g. per-node completion seconds of two
 * runs, or of two strategies): medians, their delta with an interval, and whether it is significant.
 */
export function compareSamples(a: readonly number[], b: readonly number[], options: CompareOptions = {}): Comparison {
  const { alpha = 0.05, test = 'mann-whitney', seed = 0, resamples = defaultResamples(a.length + b.length) } = options;
  const summaryA = summarize(a, 1 - alpha);
  const summaryB = summarize(b, 1 - alpha);
  const p = test === 'welch' ? welchTTest(a, b).p : mannWhitneyU(a, b).p;
  const tooFewSamples = test === 'welch' ? a.length < 2 || b.length < 2 : smallestMannWhitneyP(a.length, b.length) > alpha;
  const boot = bootstrapMedianDelta(a, b, { confidence: 1 - alpha, resamples, seed });
  const deltaAbsolute = summaryB.median - summaryA.median;
  return {
    test,
    alpha,
    a: summaryA,
    b: summaryB,
    deltaAbsolute,
    deltaRelative: summaryA.median === 0 || a.length === 0 ? null : deltaAbsolute / summaryA.median,
    deltaAbsoluteCi: boot?.absolute ?? null,
    deltaRelativeCi: boot?.relative ?? null,
    p,
    significant: !tooFewSamples && Number.isFinite(p) && p <= alpha,
    tooFewSamples,
  };
}
