import type { NodeStepSample } from '../../metrics/samples.ts';
import type { StepResult } from '../../metrics/step-result.ts';
import { HYBRID_SIDE, VOLUME_SIDE } from '../comparison-matrix.ts';
import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, MIB, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** Bins per volume step: fine enough to show waves, coarse enough that each holds several nodes' syncs. */
const VOLUME_BINS = 40;

/**
 * rsync reports a node's bytes only when its sync ends, so the recorded series is a spike per completion.
 * Drawn instead: each node's bytes spread evenly over its own sync window, summed across nodes per bin.
 */
function volumeRatePoints(step: StepResult, samples: readonly NodeStepSample[]): Array<{ seconds: number; mibPerSecond: number }> {
  const start = step.cpu.startSeconds;
  const end = Math.max(start, ...samples.map((s) => s.startSeconds + s.totalSeconds));
  const width = (end - start) / VOLUME_BINS;
  if (!(width > 0)) return [];
  const bytes = new Float64Array(VOLUME_BINS);
  for (const s of samples) {
    if (s.totalSeconds <= 0 || s.bytesDownloaded <= 0) continue;
    const from = s.startSeconds - start;
    const to = from + s.totalSeconds;
    for (let i = Math.max(0, Math.floor(from / width)); i < VOLUME_BINS && i * width < to; i++) {
      const overlap = Math.min(to, (i + 1) * width) - Math.max(from, i * width);
      if (overlap > 0) bytes[i]! += (s.bytesDownloaded * overlap) / s.totalSeconds;
    }
  }
  return [...bytes].map((b, i) => ({ seconds: (i + 1) * width, mibPerSecond: b / width / MIB }));
}

function stepPoints(analysis: RunAnalysis, s: StepResult): Array<{ seconds: number; mibPerSecond: number }> {
  // rsync reports bytes only when a sync ends: the volume and hybrid sides' rates come from node samples.
  if (s.strategy !== VOLUME_SIDE && s.strategy !== HYBRID_SIDE) return s.throughput.points.map((p) => ({ seconds: p.tSeconds - s.cpu.startSeconds, mibPerSecond: p.value / MIB }));
  const cell = analysis.cells.find((c) => c.strategy === s.strategy && c.step === s.step);
  return volumeRatePoints(s, (cell?.samples ?? []).filter((n) => n.repeat === s.repeat));
}

/** The fleet's aggregate download rate over each step's time, per strategy; a line per repeat. */
export function throughputChart(analysis: RunAnalysis): Chart | undefined {
  const values = analysis.measuredSteps.flatMap((s) => stepPoints(analysis, s).map((p) => ({ strategy: s.strategy, step: s.step, repeat: s.repeat, ...p })));
  if (values.length === 0) return undefined;
  return {
    name: 'aggregate-throughput',
    title: 'Aggregate download throughput over time',
    caption:
      'All nodes together, MiB/s, from the start of each step; one line per repeat. Plateaus show a shared bottleneck (registry, NIC or disk limits). ' +
      'rsync tells a node\'s bytes only when its sync ends, so the volume line spreads each node\'s bytes evenly over its own sync.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      facet: { field: 'step', type: 'nominal', sort: [...analysis.steps], title: 'deploy step' },
      columns: 3,
      resolve: { scale: { x: 'independent', y: 'independent' } },
      spec: {
        width: 260,
        height: 180,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'seconds', type: 'quantitative', title: 'seconds since step start' },
          y: { field: 'mibPerSecond', type: 'quantitative', title: 'MiB/s downloaded' },
          color: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies], title: 'strategy' },
          detail: { field: 'repeat', type: 'nominal' },
        },
      },
    },
  };
}
