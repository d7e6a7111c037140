import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, MIB, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** What each deploy step moved over the network per strategy (median over repeats, whole fleet). */
export function bytesPerStepChart(analysis: RunAnalysis): Chart | undefined {
  const values = analysis.cells
    .filter((c) => c.fleetBytesDownloaded.count > 0)
    .map((c) => ({ strategy: c.strategy, step: c.step, mib: c.fleetBytesDownloaded.median / MIB }));
  if (values.length === 0) return undefined;
  return {
    name: 'bytes-per-step',
    title: 'Bytes moved per deploy step',
    caption: 'MiB the whole fleet downloaded for each step, median over repeats. Small steps (backports) should move little: a tall bar there means a strategy re-ships unchanged code.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      width: { step: 36 },
      height: 240,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'step', type: 'nominal', sort: [...analysis.steps], title: 'deploy step', axis: { labelAngle: 0 } },
        xOffset: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies] },
        y: { field: 'mib', type: 'quantitative', title: 'MiB downloaded by the fleet' },
        color: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies], title: 'strategy' },
        tooltip: [{ field: 'strategy' }, { field: 'step' }, { field: 'mib', format: '.2f', title: 'MiB' }],
      },
    },
  };
}
