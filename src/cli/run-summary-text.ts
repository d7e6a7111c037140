import { formatBytes, formatBytesPerSecond, formatSeconds } from '../core/units.ts';
import { comparisonMatrix, comparisonOverview, VOLUME_SIDE } from '../report/comparison-matrix.ts';
import { deployLatencyRows, deployLatencyTable } from '../report/deploy-latency.ts';
import type { RunResults } from '../report/results.ts';
import { analyzeRun } from '../report/run-analysis.ts';
import { backendFidelity } from '../stats/backend-fidelity.ts';
import { median, spread } from '../stats/percentiles.ts';
import { renderCadence } from './cadence-text.ts';
import { renderNodeDisk } from './node-disk-text.ts';
import { renderRegistryStrain } from './registry-strain-text.ts';
import { textTable } from './text-table.ts';
import { stepKey } from '../metrics/step-key.ts';

/** The terminal summary of a run: per strategy and step, node times and what moved (measured repeats only). */
export function renderRunSummary(results: RunResults): string {
  const measured = results.steps.filter((s) => !s.warmup);
  const keys = [...new Map(measured.map((s) => [stepKey(s), s])).values()];
  const rows = keys.map(({ strategy, step }) => {
    const steps = measured.filter((s) => s.strategy === strategy && s.step === step);
    const samples = results.samples.filter((s) => s.strategy === strategy && s.step === step && steps.some((r) => r.repeat === s.repeat));
    const times = spread(samples.filter((s) => s.error === undefined).map((s) => s.totalSeconds));
    const nodes = samples.length;
    const peak = Math.max(0, ...steps.flatMap((s) => s.throughput.points.map((p) => p.value)));
    const failed = steps.reduce((n, s) => n + s.failedNodes, 0);
    return [
      strategy,
      step,
      `${nodes - failed}/${nodes}`,
      formatSeconds(median(steps.map((s) => s.makespanSeconds))),
      Number.isNaN(times.p50) ? '-' : `${formatSeconds(times.p50)} / ${formatSeconds(times.p99)} / ${formatSeconds(times.max)}`,
      formatBytes(samples.reduce((n, s) => n + s.bytesDownloaded, 0) / Math.max(1, nodes)),
      formatBytes(samples.reduce((n, s) => n + s.bytesWrittenToDisk, 0) / Math.max(1, nodes)),
      formatBytes(median(steps.map((s) => (s.volume === undefined ? s.registryBytesServed : s.volume.proxies.reduce((n, p) => n + p.egressBytes, 0))))),
      formatBytesPerSecond(peak),
      steps.reduce((n, s) => n + s.retries, 0),
    ];
  });
  const table = textTable(
    ['strategy', 'step', 'nodes ok', 'makespan', 'node time p50 / p99 / max', 'down / node', 'disk / node', 'served (registry / proxies)', 'peak rate', 'retries'],
    rows,
    [3, 4, 5, 6, 7, 8, 9],
  );
  const warnings = warningText(results.warnings);
  return `${table}\n${renderRegistryStrain(results)}${renderNodeDisk(results)}${renderFidelity(results, measured)}${deployLatencyText(results)}${renderCadence(results)}${comparisonText(results)}${warnings === '' ? '' : `${warnings}\n`}`;
}

/** Per strategy and step, the deploy latency's parts (build, push, rollout; prep, sync) and total. */
function deployLatencyText(results: RunResults): string {
  const table = deployLatencyTable(deployLatencyRows(analyzeRun(results)));
  return table === undefined ? '' : `deploy latency (median seconds per part):\n${textTable([...table.head], table.rows.map((r) => [...r]), [...table.numeric])}\n`;
}

/** With several backends: each one's median node time beside the virtual nodes', and the ratio. */
function renderFidelity(results: RunResults, measured: RunResults['steps']): string {
  const rows = backendFidelity(results.samples, new Set(measured.map((s) => s.repeat)));
  if (rows.length === 0) return '';
  const table = textTable(
    ['strategy', 'step', 'backend', 'nodes', 'node time p50', 'longest layer download p50', 'unpack p50', 'downloaded p50', 'written p50', 'vs virtual'],
    rows.map((r) => [
      r.strategy,
      r.step,
      r.backend,
      r.nodes,
      formatSeconds(r.medianTotalSeconds),
      formatSeconds(r.medianDownloadSeconds),
      formatSeconds(r.medianUnpackSeconds),
      formatBytes(r.medianBytesDownloaded),
      formatBytes(r.medianBytesWritten),
      r.ratioToVirtual === undefined ? '-' : `${r.ratioToVirtual.toFixed(2)}x`,
    ]),
    [3, 4, 5, 6, 7, 8, 9],
  );
  return `fidelity: the same steps on each backend (real runtimes against shipbench's virtual nodes)\n${table}\n`;
}

/** Volume beside each layer strategy, per step, with image / volume ratios (when both sides were measured). */
function comparisonText(results: RunResults): string {
  const matrix = comparisonMatrix(results);
  if (!matrix.mechanisms.includes(VOLUME_SIDE) || matrix.mechanisms.length < 2) return '';
  const right = matrix.mechanisms.map((_, i) => i + 1);
  const received = comparisonOverview(matrix, (c) => c.bytesDownloadedPerNode, formatBytes);
  const makespan = comparisonOverview(matrix, (c) => c.makespanSeconds, formatSeconds);
  return [
    'received per node, volume vs image (ratio image / volume):',
    textTable(received.head, received.rows, right),
    'makespan, volume vs image (ratio image / volume):',
    textTable(makespan.head, makespan.rows, right),
    '',
  ].join('\n');
}

/** Each kind once on the terminal, with how many more results.json holds: a per-step warning repeats per cell. */
function warningText(warnings: RunResults['warnings']): string {
  const byKind = new Map<string, RunResults['warnings']>();
  for (const w of warnings) byKind.set(w.kind, [...(byKind.get(w.kind) ?? []), w]);
  return [...byKind.values()]
    .map((same) => {
      const [first] = same as [RunResults['warnings'][number], ...RunResults['warnings']];
      const more = same.length > 1 ? ` (and ${same.length - 1} more like it in results.json)` : '';
      return `warning: ${first.message}${more}\n  fix: ${first.fix}`;
    })
    .join('\n');
}
