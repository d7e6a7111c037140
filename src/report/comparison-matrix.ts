import { formatBytes, formatSeconds } from '../core/units.ts';
import type { Spread } from '../stats/percentiles.ts';
import type { RunResults } from './results.ts';
import { analyzeRun, type RunAnalysis, type StepCell } from './run-analysis.ts';

/**
 * The comparison a run exists for: deploy step x mechanism (the volume side, then each layer strategy),
 * from the measured (non-warmup) repeats, with image / volume ratios per step. `comparisonMatrix` lays out
 * the one analysis of the run (run-analysis.ts) and computes no figure of its own, `renderComparisonMarkdown` the Markdown of `DIR/summary.md` (a pure `(results) -> string`, so
 * it can serve as the matrix part of a Markdown exporter).
 */

export const VOLUME_SIDE = 'volume';
/** The hybrid side (image unpacked on the master, then rsync): listed right after the volume side. */
export const HYBRID_SIDE = 'hybrid';

export interface ComparisonCell {
  readonly step: string;
  /** `volume`, or a layer strategy's name. */
  readonly mechanism: string;
  readonly nodes: number;
  readonly failedNodes: number;
  /** Median over repeats. */
  readonly makespanSeconds: number;
  /** Per-node figures: the median over the successful nodes of every measured repeat, as the verdict's. */
  /** Over every node of every measured repeat (successful nodes only). */
  readonly nodeSeconds: Spread;
  readonly bytesDownloadedPerNode: number;
  readonly bytesWrittenPerNode: number;
  readonly filesWrittenPerNode: number;
  /** What the registry (image) or the proxies (volume) served, median over repeats. */
  readonly servedBytes: number;
  /** Volume only: what the master sent the proxies, median over repeats. */
  readonly masterEgressBytes: number | undefined;
  /** Volume only: per proxy, median egress over repeats. */
  readonly proxyEgressBytes: ReadonlyArray<{ readonly proxy: string; readonly bytes: number }>;
  /** First node done to last node done, median over repeats; undefined in results without it. */
  readonly skewWindowSeconds: number | undefined;
  readonly atomicPerNode: boolean | undefined;
  /** Volume only: the longest per-node mixed-version window seen in any repeat. */
  readonly perNodeMixedMaxSeconds: number | undefined;
  readonly failovers: number;
}

export interface ComparisonRow {
  readonly step: string;
  readonly volume: ComparisonCell | undefined;
  readonly images: readonly ComparisonCell[];
}

export interface ComparisonMatrix {
  readonly steps: readonly string[];
  /** `volume` first (when measured), then the layer strategies in run order. */
  readonly mechanisms: readonly string[];
  readonly rows: readonly ComparisonRow[];
}

/** The matrix of a run: its one analysis (run-analysis.ts) laid out step x mechanism. */
export function comparisonMatrix(results: RunResults): ComparisonMatrix {
  return comparisonMatrixOf(analyzeRun(results));
}

/** A projection of the analysis' cell: medians over repeats (makespan, served) or over successful nodes (per node). */
function comparisonCell(c: StepCell): ComparisonCell {
  return {
    step: c.step,
    mechanism: c.strategy,
    nodes: c.nodeDeploys,
    failedNodes: c.failedNodeDeploys,
    makespanSeconds: c.makespanSeconds.median,
    nodeSeconds: { p50: c.nodeSeconds.p50, p99: c.nodeSeconds.p99, max: c.nodeSeconds.max },
    bytesDownloadedPerNode: c.bytesDownloadedPerNode.median,
    bytesWrittenPerNode: c.bytesWrittenPerNode.median,
    filesWrittenPerNode: c.filesWrittenPerNode.median,
    servedBytes: c.servedBytes.median,
    masterEgressBytes: c.volumeEgress?.masterBytes,
    proxyEgressBytes: c.volumeEgress?.proxies ?? [],
    skewWindowSeconds: c.skew?.windowSeconds.median,
    atomicPerNode: c.skew?.atomicPerNode,
    perNodeMixedMaxSeconds: c.skew?.perNodeMixedMaxSeconds,
    failovers: c.volumeEgress?.failovers ?? 0,
  };
}

export function comparisonMatrixOf(analysis: RunAnalysis): ComparisonMatrix {
  // A cell belongs in the matrix when a measured (non-warmup) repeat of its step was recorded.
  const measured = analysis.cells.filter((c) => c.makespanSeconds.count > 0);
  const steps = analysis.steps.filter((step) => measured.some((c) => c.step === step));
  const seen = analysis.strategies.filter((m) => measured.some((c) => c.strategy === m));
  const sides = [VOLUME_SIDE, HYBRID_SIDE];
  const mechanisms = [...sides.filter((m) => seen.includes(m)), ...seen.filter((m) => !sides.includes(m))];
  const cell = (step: string, mechanism: string): ComparisonCell | undefined => {
    const found = measured.find((c) => c.step === step && c.strategy === mechanism);
    return found === undefined ? undefined : comparisonCell(found);
  };
  const rows = steps.map((step) => ({
    step,
    volume: cell(step, VOLUME_SIDE),
    images: mechanisms.filter((m) => m !== VOLUME_SIDE).flatMap((m) => cell(step, m) ?? []),
  }));
  return { steps, mechanisms, rows };
}

/** `image / volume` as `2.4x`; `-` when either side is missing, `n/a` when the volume side moved nothing. */
export function formatRatio(image: number | undefined, volume: number | undefined): string {
  if (image === undefined || volume === undefined || Number.isNaN(image) || Number.isNaN(volume)) return '-';
  if (volume === 0) return image === 0 ? '1.0x' : 'n/a';
  const r = image / volume;
  // Two significant digits below 0.1, so a backport's 1/15,000 of the bytes does not read as 0.00x.
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}x`;
}

const seconds = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : formatSeconds(v));
// NaN when no node of the cell succeeded.
const bytes = (v: number) => (Number.isNaN(v) ? '-' : formatBytes(v));

function markdownTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, right: ReadonlySet<number>): string {
  const esc = (v: string) => v.replace(/\|/g, '\\|');
  const lines = [`| ${head.map(esc).join(' | ')} |`, `| ${head.map((_, i) => (right.has(i) ? '---:' : '---')).join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

/** One overview matrix: a row per step, a column per mechanism, each image cell with its ratio to volume. */
export function comparisonOverview(matrix: ComparisonMatrix, value: (c: ComparisonCell) => number, format: (v: number) => string): { head: string[]; rows: string[][] } {
  const head = ['step', ...matrix.mechanisms];
  const rows = matrix.rows.map((row) => [
    row.step,
    ...matrix.mechanisms.map((m) => {
      const c = m === VOLUME_SIDE ? row.volume : row.images.find((x) => x.mechanism === m);
      if (c === undefined || Number.isNaN(value(c))) return '-';
      if (m === VOLUME_SIDE || row.volume === undefined) return format(value(c));
      return `${format(value(c))} (${formatRatio(value(c), value(row.volume))})`;
    }),
  ]);
  return { head, rows };
}

function overview(matrix: ComparisonMatrix, value: (c: ComparisonCell) => number, format: (v: number) => string): string {
  const { head, rows } = comparisonOverview(matrix, value, format);
  return markdownTable(head, rows, new Set(head.map((_, i) => i).filter((i) => i > 0)));
}

export function renderComparisonMarkdown(results: RunResults): string {
  const matrix = comparisonMatrix(results);
  const scenario = results.scenario as { name: string; fleet?: { nodes?: number }; measure?: { repeat?: number; warmup?: number } };
  const out: string[] = [];
  out.push(`# ${scenario.name}: code in a volume vs code in the image`, '');
  out.push(
    `Measured ${results.startedAt} on ${results.environment.hostname} (${results.environment.cpus} CPUs); status **${results.status}**` +
      `${results.failure === undefined ? '' : ` (${results.failure.phase}: ${results.failure.message})`}. ` +
      `${scenario.fleet?.nodes ?? '?'} nodes` +
      `${results.volume === undefined ? '' : `, ${results.volume.proxies} rsync prox${results.volume.proxies === 1 ? 'y' : 'ies'} (${results.volume.assign})`}` +
      `, ${scenario.measure?.repeat ?? '?'} measured repeat(s) after ${scenario.measure?.warmup ?? 0} warmup(s); medians over repeats.`,
    '',
  );
  if (!matrix.mechanisms.includes(VOLUME_SIDE)) out.push('The volume side was not measured in this run, so there are no ratios.', '');
  out.push('Ratios are image / volume (and hybrid / volume): above 1x the image strategy (or the hybrid side) moved more, or took longer, than rsync.', '');
  out.push('## Bytes received per node', '', overview(matrix, (c) => c.bytesDownloadedPerNode, formatBytes), '');
  out.push('## Makespan (first node start to last node done; volume includes the proxy sync)', '', overview(matrix, (c) => c.makespanSeconds, formatSeconds), '');
  out.push('## Bytes written per node', '', overview(matrix, (c) => c.bytesWrittenPerNode, formatBytes), '');
  out.push('## Per step', '');
  const head = ['mechanism', 'nodes ok', 'makespan', 'node p50 / p99 / max', 'received / node', 'written / node', 'files / node', 'served', 'skew window', 'per-node switch', 'received ratio', 'time ratio'];
  for (const row of matrix.rows) {
    out.push(`### ${row.step}`, '');
    const cells = [...(row.volume === undefined ? [] : [row.volume]), ...row.images];
    const rows = cells.map((c) => [
      c.mechanism,
      `${c.nodes - c.failedNodes}/${c.nodes}`,
      formatSeconds(c.makespanSeconds),
      Number.isNaN(c.nodeSeconds.p50) ? '-' : `${formatSeconds(c.nodeSeconds.p50)} / ${formatSeconds(c.nodeSeconds.p99)} / ${formatSeconds(c.nodeSeconds.max)}`,
      bytes(c.bytesDownloadedPerNode),
      bytes(c.bytesWrittenPerNode),
      Number.isNaN(c.filesWrittenPerNode) ? '-' : c.filesWrittenPerNode.toFixed(c.filesWrittenPerNode % 1 === 0 ? 0 : 1),
      `${formatBytes(c.servedBytes)} (${c.masterEgressBytes !== undefined ? 'proxies' : 'registry'})`,
      seconds(c.skewWindowSeconds),
      c.atomicPerNode === undefined ? '-' : c.atomicPerNode ? 'atomic' : `file by file, up to ${seconds(c.perNodeMixedMaxSeconds ?? 0)}`,
      c.mechanism === VOLUME_SIDE ? '1x' : formatRatio(c.bytesDownloadedPerNode, row.volume?.bytesDownloadedPerNode),
      c.mechanism === VOLUME_SIDE ? '1x' : formatRatio(c.makespanSeconds, row.volume?.makespanSeconds),
    ]);
    out.push(markdownTable(head, rows, new Set([1, 2, 3, 4, 5, 6, 7, 8, 10, 11])), '');
    const v = row.volume;
    for (const c of [v, row.images.find((x) => x.mechanism === HYBRID_SIDE)]) {
      if (c === undefined || c.masterEgressBytes === undefined) continue;
      const proxies = c.proxyEgressBytes.map((p) => `${p.proxy} ${formatBytes(p.bytes)}`).join(', ');
      const side = c.mechanism === VOLUME_SIDE ? 'Volume' : 'Hybrid';
      out.push(`${side} egress: master ${formatBytes(c.masterEgressBytes)} to the proxies; ${proxies} to the nodes${c.failovers > 0 ? `; ${c.failovers} failover(s) from a dead proxy` : ''}.`, '');
    }
  }
  out.push(
    '## Version skew',
    '',
    'The skew window is the time from the first node done to the last node done: meanwhile the fleet serves two versions. ' +
      'An image switches a node atomically; an rsync\'d tree changes file by file, and "per-node switch" gives the longest time a node held a mix of old and new files (first to last file change, from file ctimes).',
    '',
  );
  return `${out.join('\n')}\n`;
}
