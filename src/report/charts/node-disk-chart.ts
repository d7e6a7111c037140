import { nodeDiskFigures } from '../node-disk-figures.ts';
import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, MIB, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** Disk a node holds after each deploy step, per strategy: steady state and GC churn over a deploy week. */
export function nodeDiskChart(analysis: RunAnalysis): Chart | undefined {
  const values = nodeDiskFigures(analysis).map((f) => ({
    strategy: f.strategy,
    step: f.step,
    heldMiB: f.heldBytes / MIB,
    freedMiB: f.gcFreedBytes / MIB,
    imagesRemoved: f.gcImagesRemoved,
  }));
  if (values.length === 0) return undefined;
  return {
    name: 'node-disk',
    title: 'Disk held per node across steps',
    caption:
      'MiB a node holds after each step (median over nodes and repeats): image blobs plus unpacked snapshots after the image GC (fleet.node.imageGC), or the synced tree on the volume side. A line that levels off is the steady state; the tooltip has what the GC freed per node.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      width: 720,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'ordinal', sort: [...analysis.steps], title: 'deploy step', axis: { labelAngle: 0 } },
        y: { field: 'heldMiB', type: 'quantitative', title: 'MiB held per node' },
        color: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies], title: 'strategy' },
        tooltip: [
          { field: 'strategy' },
          { field: 'step' },
          { field: 'heldMiB', format: '.1f', title: 'MiB held' },
          { field: 'freedMiB', format: '.1f', title: 'MiB freed by GC' },
          { field: 'imagesRemoved', format: '.1f', title: 'images removed' },
        ],
      },
    },
  };
}
