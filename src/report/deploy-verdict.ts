import type { NodeStepSample } from '../metrics/samples.ts';
import { compareSamples, type Comparison } from '../stats/compare-samples.ts';
import { formatRatio, VOLUME_SIDE } from './comparison-matrix.ts';
import { formatFigure, type FigureUnit } from './figure-format.ts';
import type { Table } from './report-sections.ts';
import { findCell, type RunAnalysis, type StepCell } from './run-analysis.ts';

/**
 * The answer a planner opens a report for: per deploy step, code in the image (each layer strategy) against
 * code in a volume, on the three figures that decide it. Every ratio is candidate / reference, so above 1x
 * the candidate moved more or took longer; a ratio counts only when the samples say it is significant.
 */
export interface VerdictFigure {
  readonly metric: 'bytes per node' | 'node time' | 'makespan';
  readonly unit: FigureUnit;
  readonly reference: number;
  readonly candidate: number;
  /** candidate / reference; NaN when the reference is 0 or either side has no value. */
  readonly ratio: number;
  readonly comparison: Comparison;
}

export interface VerdictRow {
  readonly step: string;
  /** `volume` when the run measured it, else the first strategy. */
  readonly reference: string;
  readonly candidate: string;
  readonly figures: readonly VerdictFigure[];
}

export interface DeployVerdict {
  readonly reference: string | undefined;
  readonly volumeMeasured: boolean;
  readonly rows: readonly VerdictRow[];
}

type FigureSpec = { metric: VerdictFigure['metric']; unit: FigureUnit; values: (c: StepCell, analysis: RunAnalysis) => number[] };

const FIGURES: readonly FigureSpec[] = [
  { metric: 'bytes per node', unit: 'bytes', values: (c) => c.samples.map((s: NodeStepSample) => s.bytesDownloaded) },
  { metric: 'node time', unit: 'seconds', values: (c) => c.samples.map((s: NodeStepSample) => s.totalSeconds) },
  // One makespan per repeat: with few repeats the test says `~` rather than guess.
  { metric: 'makespan', unit: 'seconds', values: (c, a) => a.measuredSteps.filter((s) => s.strategy === c.strategy && s.step === c.step).map((s) => s.makespanSeconds) },
];

function figure(spec: FigureSpec, reference: StepCell, candidate: StepCell, analysis: RunAnalysis): VerdictFigure {
  const comparison = compareSamples(spec.values(reference, analysis), spec.values(candidate, analysis), { seed: `${reference.strategy}/${candidate.strategy}/${reference.step}/${spec.metric}` });
  const ref = comparison.a.median;
  const cand = comparison.b.median;
  return { metric: spec.metric, unit: spec.unit, reference: ref, candidate: cand, ratio: ref > 0 ? cand / ref : Number.NaN, comparison };
}

export function deployVerdict(analysis: RunAnalysis): DeployVerdict {
  const volumeMeasured = analysis.strategies.includes(VOLUME_SIDE);
  const reference = volumeMeasured ? VOLUME_SIDE : analysis.strategies[0];
  const rows: VerdictRow[] = [];
  if (reference === undefined) return { reference, volumeMeasured, rows };
  for (const step of analysis.steps) {
    const ref = findCell(analysis, reference, step);
    if (ref === undefined) continue;
    for (const strategy of analysis.strategies.filter((s) => s !== reference)) {
      const cand = findCell(analysis, strategy, step);
      if (cand === undefined) continue;
      rows.push({ step, reference, candidate: strategy, figures: FIGURES.map((f) => figure(f, ref, cand, analysis)) });
    }
  }
  return { reference, volumeMeasured, rows };
}

/** `3.20x` when significant, `~1.04x` when the samples cannot tell the two apart. */
export function formatVerdictRatio(f: VerdictFigure): string {
  const ratio = formatRatio(f.candidate, f.reference);
  return f.comparison.significant ? ratio : `~${ratio}`;
}

function cell(f: VerdictFigure | undefined): string {
  if (f === undefined) return '-';
  return `${formatFigure(f.candidate, f.unit)} vs ${formatFigure(f.reference, f.unit)} (${formatVerdictRatio(f)})`;
}

function timeClause(f: VerdictFigure, what: string, reference: string): string {
  if (!f.comparison.significant || !Number.isFinite(f.ratio)) return `is not significantly faster or slower than ${reference} (${what} ${formatVerdictRatio(f)})`;
  return f.ratio > 1 ? `takes ${formatRatio(f.candidate, f.reference)} as long as ${reference} (${what})` : `is ${formatRatio(f.reference, f.candidate)} faster than ${reference} (${what})`;
}

function bytesClause(f: VerdictFigure): string {
  if (!Number.isFinite(f.ratio)) return `moves ${formatFigure(f.candidate, f.unit)} per node`;
  if (!f.comparison.significant) return 'moves about as many bytes per node';
  return f.ratio >= 1 ? `moves ${formatRatio(f.candidate, f.reference)} the bytes per node` : `moves ${formatRatio(f.reference, f.candidate)} fewer bytes per node`;
}

/** One sentence per row, led by makespan when the repeats can tell, else by node time. */
export function verdictSentence(row: VerdictRow): string {
  const [bytes, nodeTime, makespan] = row.figures;
  const time = makespan !== undefined && makespan.comparison.significant ? makespan : nodeTime;
  const clauses = [
    ...(time === undefined ? [] : [timeClause(time, time === makespan ? 'makespan' : 'node time', row.reference)]),
    ...(bytes === undefined ? [] : [bytesClause(bytes)]),
  ];
  return `${row.step}: ${row.candidate} ${clauses.join(' and ')}.`;
}

export function verdictTable(verdict: DeployVerdict): Table {
  const ref = verdict.reference ?? '-';
  return {
    title: verdict.volumeMeasured ? 'Verdict: code in the image against code in a volume' : `Verdict: strategies against ${ref} (the volume side was not measured)`,
    note:
      `Per deploy step, each strategy against ${ref}: candidate vs ${ref}, medians, with the ratio candidate / ${ref} (above 1x the candidate moved more or took longer). ` +
      'A ratio marked `~` is not significant (Mann-Whitney U, alpha 0.05): node figures are tested over every node deploy, makespan over repeats.',
    head: ['step', 'strategy', 'bytes per node', 'node time (median)', 'makespan'],
    rows: verdict.rows.map((r) => [r.step, r.candidate, ...r.figures.map((f) => cell(f))]),
    numeric: [2, 3, 4],
  };
}
