import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, MIB, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

type DiskMeasure = 'bytes' | 'iops';

/** The harness disk over the run's timeline: read and write, coloured by the strategy then deploying. */
export function diskChart(analysis: RunAnalysis, measure: DiskMeasure): Chart | undefined {
  const values = analysis.measuredSteps.flatMap((s) => {
    if (s.disk === undefined) return [];
    const series = measure === 'bytes'
      ? [['read', s.disk.series.readBytesPerSecond, 1 / MIB], ['write', s.disk.series.writeBytesPerSecond, 1 / MIB]] as const
      : [['read', s.disk.series.readIops, 1], ['write', s.disk.series.writeIops, 1]] as const;
    return series.flatMap(([direction, ts, scale]) =>
      ts.points.map((p) => ({ strategy: s.strategy, step: s.step, run: `${s.step} #${s.repeat}`, direction, seconds: p.tSeconds, value: p.value * scale })),
    );
  });
  if (values.length === 0) return undefined;
  const device = analysis.measuredSteps.find((s) => s.disk !== undefined)?.disk?.device ?? '';
  const unit = measure === 'bytes' ? 'MiB/s' : 'IOPS';
  return {
    name: measure === 'bytes' ? 'disk-bytes' : 'disk-iops',
    title: `Disk ${measure === 'bytes' ? 'throughput' : 'IOPS'} over time (${device})`,
    caption: `The harness disk under the nodes' work directory, ${unit}, across the run (measured steps); solid write, dashed read. Nodes unpacking layers or syncing files show up here.`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      width: 720,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'seconds', type: 'quantitative', title: 'seconds since run start' },
        y: { field: 'value', type: 'quantitative', title: `${unit} (${device})` },
        color: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies], title: 'strategy' },
        strokeDash: { field: 'direction', type: 'nominal', sort: ['write', 'read'], title: 'direction' },
        detail: { field: 'run', type: 'nominal' },
      },
    },
  };
}
