import { formatBytes, formatBytesPerSecond } from '../core/units.ts';
import type { RunWarning } from '../metrics/samples.ts';
import { formatFigure, formatMedianWithCi } from './figure-format.ts';
import { contentSourceText } from './content-source-result.ts';
import type { RunResults } from './results.ts';
import { findCell, type RunAnalysis } from './run-analysis.ts';

/**
 * The tables every text report shows, as header + string cells, so Markdown and HTML render the same
 * numbers (hyperfine's shared markup table).
 */
export interface Table {
  readonly title: string;
  readonly note: string;
  readonly head: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** Column indices holding numbers. */
  readonly numeric: readonly number[];
}

export function runHeadline(results: RunResults): string {
  const env = results.environment;
  const what = results.source === 'simulated' ? 'simulated by the fleet model' : `measured on ${env.hostname} (${env.cpus} CPUs, ${env.cpuModel})`;
  return `Scenario \`${results.scenario.name}\` (seed ${results.scenario.seed}), ${what}, started ${results.startedAt}, status **${results.status}**${results.failure === undefined ? '' : ` (${results.failure.phase}: ${results.failure.message})`}.${contentSentence(results)}`;
}

/** Which content was shipped, so a reader never compares two reports across different content unknowingly. */
function contentSentence(results: RunResults): string {
  return results.content === undefined ? '' : ` Content: \`${contentSourceText(results.content).replaceAll('`', "'")}\`.`;
}

export function summaryTable(analysis: RunAnalysis): Table {
  const rows = analysis.cells.map((c) => [
    c.strategy,
    c.step,
    `${c.nodeDeploys - c.failedNodeDeploys}/${c.nodeDeploys}`,
    formatMedianWithCi(c.nodeSeconds, 'seconds'),
    formatFigure(c.nodeSeconds.p90, 'seconds'),
    formatFigure(c.nodeSeconds.p99, 'seconds'),
    formatFigure(c.nodeSeconds.max, 'seconds'),
    formatFigure(c.makespanSeconds.median, 'seconds'),
    formatFigure(c.bytesDownloadedPerNode.median, 'bytes'),
    formatFigure(c.bytesWrittenPerNode.median, 'bytes'),
    formatFigure(c.registryBytesServed.median, 'bytes'),
    formatBytesPerSecond(c.peakBytesPerSecond),
  ]);
  return {
    title: 'Summary',
    note: 'Measured repeats only (warmups left out). Node time: median ± half-width of its 95% interval over every node deploy of every repeat; makespan, registry out: median over repeats; down and disk: median per node.',
    head: ['strategy', 'step', 'nodes ok', 'node time', 'p90', 'p99', 'max', 'makespan', 'down / node', 'disk / node', 'registry out', 'peak rate'],
    rows,
    numeric: [3, 4, 5, 6, 7, 8, 9, 10, 11],
  };
}

/** The step x strategy matrix of one figure: each strategy (volume included) is a column. */
export function stepMatrix(analysis: RunAnalysis, title: string, note: string, cell: (c: NonNullable<ReturnType<typeof findCell>>) => string): Table {
  return {
    title,
    note,
    head: ['step', ...analysis.strategies],
    rows: analysis.steps.map((step) => [step, ...analysis.strategies.map((s) => {
      const c = findCell(analysis, s, step);
      return c === undefined ? '-' : cell(c);
    })]),
    numeric: analysis.strategies.map((_, i) => i + 1),
  };
}

export function matrixTables(analysis: RunAnalysis): Table[] {
  return [
    stepMatrix(analysis, 'Node time: step x strategy', 'Median per-node completion time ± half-width of its 95% interval.', (c) => formatMedianWithCi(c.nodeSeconds, 'seconds')),
    stepMatrix(analysis, 'Bytes moved: step x strategy', 'Median bytes the whole fleet downloaded for the step (per repeat).', (c) => formatBytes(c.fleetBytesDownloaded.median)),
    stepMatrix(analysis, 'Makespan: step x strategy', 'First node start to last node end, median over repeats.', (c) => formatFigure(c.makespanSeconds.median, 'seconds')),
  ];
}

export function warningLines(warnings: readonly RunWarning[]): Array<{ message: string; fix: string }> {
  return warnings.map((w) => ({ message: w.message, fix: w.fix }));
}
