import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** Per-node completion time as an ECDF per strategy, one panel per deploy step: left and steep is good. */
export function completionTimeChart(analysis: RunAnalysis): Chart | undefined {
  const values = analysis.cells.flatMap((c) => c.samples.map((s) => ({ strategy: c.strategy, step: c.step, seconds: s.totalSeconds })));
  if (values.length === 0) return undefined;
  return {
    name: 'node-completion-time',
    title: 'Per-node completion time',
    caption: 'Share of node deploys finished within a time (ECDF), per strategy; measured repeats. A curve further left finished sooner; a long flat tail means stragglers.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      transform: [{ window: [{ op: 'cume_dist', as: 'share' }], sort: [{ field: 'seconds' }], groupby: ['strategy', 'step'] }],
      facet: { field: 'step', type: 'nominal', sort: [...analysis.steps], title: 'deploy step' },
      columns: 3,
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: 260,
        height: 180,
        mark: { type: 'line', interpolate: 'step-after', point: true },
        encoding: {
          x: { field: 'seconds', type: 'quantitative', title: 'node completion time (s)' },
          y: { field: 'share', type: 'quantitative', title: 'share of nodes done', axis: { format: '%' }, scale: { domain: [0, 1] } },
          color: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies], title: 'strategy' },
        },
      },
    },
  };
}
