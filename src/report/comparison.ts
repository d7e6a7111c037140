import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { compareSamples, type Comparison, type CompareOptions } from '../stats/compare-samples.ts';
import { formatMedianWithCi, formatSignedPercent, type FigureUnit } from './figure-format.ts';
import type { RunResults } from './results.ts';
import { analyzeRun, findCell, type RunAnalysis } from './run-analysis.ts';

/** What is compared: per-node completion time, and bytes each node downloaded. */
const METRICS: ReadonlyArray<{ name: string; unit: FigureUnit; value: (s: NodeStepSample) => number }> = [
  { name: 'node time', unit: 'seconds', value: (s) => s.totalSeconds },
  { name: 'downloaded per node', unit: 'bytes', value: (s) => s.bytesDownloaded },
];

/** Step figures, one value per measured repeat (steps without the figure, from older results, are left out). */
const STEP_METRICS: ReadonlyArray<{ name: string; unit: FigureUnit; value: (s: StepResult) => number | undefined }> = [
  { name: 'deploy-total-seconds', unit: 'seconds', value: (s) => s.deploy?.total },
];

function stepValues(analysis: RunAnalysis, strategy: string, step: string, value: (s: StepResult) => number | undefined): number[] {
  return analysis.measuredSteps.filter((s) => s.strategy === strategy && s.step === step).flatMap((s) => value(s) ?? []);
}

/** The step metrics of one cell pair, when both carry them. */
function stepMetricRows(a: RunAnalysis, b: RunAnalysis, at: { strategy: string; step: string }, other: string, label: string, options: CompareOptions): ComparisonRow[] {
  return STEP_METRICS.flatMap((m) => {
    const va = stepValues(a, at.strategy, at.step, m.value);
    const vb = stepValues(b, other, at.step, m.value);
    if (va.length === 0 || vb.length === 0) return [];
    return [{ strategy: label, step: at.step, metric: m.name, unit: m.unit, comparison: compareSamples(va, vb, { ...options, seed: `${label}/${at.step}/${m.name}` }) }];
  });
}

export interface ComparisonRow {
  /** For run comparisons the strategy; for strategy comparisons `baseline -> other`. */
  readonly strategy: string;
  readonly step: string;
  readonly metric: string;
  readonly unit: FigureUnit;
  readonly comparison: Comparison;
}

/**
 * Two runs, e.g. before and after a layer change: every strategy and step present in both, each metric
 * tested on the per-node samples of the measured repeats.
 */
export function compareRuns(before: RunResults, after: RunResults, options: CompareOptions = {}): ComparisonRow[] {
  const a = analyzeRun(before);
  const b = analyzeRun(after);
  const rows: ComparisonRow[] = [];
  for (const cellA of a.cells) {
    const cellB = findCell(b, cellA.strategy, cellA.step);
    if (cellB === undefined) continue;
    for (const m of METRICS) {
      const comparison = compareSamples(cellA.samples.map(m.value), cellB.samples.map(m.value), { ...options, seed: `${cellA.strategy}/${cellA.step}/${m.name}` });
      rows.push({ strategy: cellA.strategy, step: cellA.step, metric: m.name, unit: m.unit, comparison });
    }
    rows.push(...stepMetricRows(a, b, cellA, cellA.strategy, cellA.strategy, options));
  }
  return rows;
}

/** Within one run: every other strategy (volume included) against `baseline` (the first by default), per step. */
export function compareStrategies(results: RunResults, baseline?: string, options: CompareOptions = {}): ComparisonRow[] {
  const analysis = analyzeRun(results);
  const base = baseline ?? analysis.strategies[0];
  const rows: ComparisonRow[] = [];
  if (base === undefined) return rows;
  for (const step of analysis.steps) {
    const cellA = findCell(analysis, base, step);
    if (cellA === undefined) continue;
    for (const strategy of analysis.strategies.filter((s) => s !== base)) {
      const cellB = findCell(analysis, strategy, step);
      if (cellB === undefined) continue;
      for (const m of METRICS) {
        const comparison = compareSamples(cellA.samples.map(m.value), cellB.samples.map(m.value), { ...options, seed: `${base}/${strategy}/${step}/${m.name}` });
        rows.push({ strategy: `${base} -> ${strategy}`, step, metric: m.name, unit: m.unit, comparison });
      }
      rows.push(...stepMetricRows(analysis, analysis, cellA, strategy, `${base} -> ${strategy}`, options));
    }
  }
  return rows;
}

/** The benchstat delta cell: the relative change with its interval, or `~` when not significant. */
export function formatDelta(c: Comparison): string {
  if (!c.significant) return '~';
  if (c.deltaRelative === null) return `${c.deltaAbsolute > 0 ? '+' : ''}${c.deltaAbsolute}`;
  const ci = c.deltaRelativeCi;
  return ci === null ? formatSignedPercent(c.deltaRelative) : `${formatSignedPercent(c.deltaRelative)} [${formatSignedPercent(ci.low)}, ${formatSignedPercent(ci.high)}]`;
}

export function formatTestNote(c: Comparison): string {
  const p = Number.isFinite(c.p) ? `p=${c.p < 0.001 ? c.p.toExponential(1) : c.p.toFixed(3)}` : 'p=-';
  const n = `n=${c.a.count}+${c.b.count}`;
  return c.tooFewSamples ? `${p} ${n} (too few samples)` : `${p} ${n}`;
}

export const COMPARISON_HEAD = ['strategy', 'step', 'metric', 'A', 'B', 'delta', 'test'] as const;

/** Cells shared by the terminal, Markdown and HTML renderings of a comparison. */
export function comparisonCells(rows: readonly ComparisonRow[]): string[][] {
  return rows.map((r) => [
    r.strategy,
    r.step,
    r.metric,
    formatMedianWithCi(r.comparison.a, r.unit),
    formatMedianWithCi(r.comparison.b, r.unit),
    formatDelta(r.comparison),
    formatTestNote(r.comparison),
  ]);
}

export function comparisonFootnote(rows: readonly ComparisonRow[]): string {
  const c = rows[0]?.comparison;
  const test = c?.test === 'welch' ? "Welch's t test" : 'Mann-Whitney U test';
  const alpha = c?.alpha ?? 0.05;
  return `Medians ± half-width of their 95% interval. delta: change of the median from A to B with its ${Math.round((1 - alpha) * 100)}% bootstrap interval; \`~\` means no significant difference (${test}, two-sided, alpha ${alpha}).`;
}
