import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, MIB, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** The fleet's aggregate download rate over each step's time, per strategy; a line per repeat. */
export function throughputChart(analysis: RunAnalysis): Chart | undefined {
  const values = analysis.measuredSteps.flatMap((s) => {
    const start = s.cpu.startSeconds;
    return s.throughput.points.map((p) => ({ strategy: s.strategy, step: s.step, repeat: s.repeat, seconds: p.tSeconds - start, mibPerSecond: p.value / MIB }));
  });
  if (values.length === 0) return undefined;
  return {
    name: 'aggregate-throughput',
    title: 'Aggregate download throughput over time',
    caption: 'All nodes together, MiB/s, from the start of each step; one line per repeat. Plateaus show a shared bottleneck (registry, NIC or disk limits).',
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
