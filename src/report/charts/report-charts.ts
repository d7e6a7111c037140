import { deployVerdict } from '../deploy-verdict.ts';
import type { RunAnalysis } from '../run-analysis.ts';
import { bytesPerStepChart } from './bytes-per-step-chart.ts';
import type { Chart } from './chart.ts';
import { deployLatencyChart } from './deploy-latency-chart.ts';
import { completionTimeChart } from './completion-time-chart.ts';
import { diskChart } from './disk-chart.ts';
import type { NeighboursResults } from '../neighbour-results.ts';
import { neighbourAttributionChart } from './neighbour-attribution-chart.ts';
import { neighbourLatencyChart } from './neighbour-latency-chart.ts';
import { neighbourP99Chart } from './neighbour-p99-chart.ts';
import { nodeDiskChart } from './node-disk-chart.ts';
import { registryStrainChart } from './registry-strain-chart.ts';
import { throughputChart } from './throughput-chart.ts';
import { verdictChart } from './verdict-chart.ts';

/** Every chart a run's data supports, the verdict first (disk charts need a block device, simulated runs may have none; neighbour charts need `neighbours:`). */
export function reportCharts(analysis: RunAnalysis, neighbours?: NeighboursResults): Chart[] {
  return [
    verdictChart(deployVerdict(analysis), analysis.steps),
    completionTimeChart(analysis),
    throughputChart(analysis),
    diskChart(analysis, 'bytes'),
    diskChart(analysis, 'iops'),
    bytesPerStepChart(analysis),
    registryStrainChart(analysis),
    nodeDiskChart(analysis),
    deployLatencyChart(analysis),
    // Only runs with `neighbours:` have these.
    neighbourLatencyChart(neighbours),
    neighbourP99Chart(neighbours),
    neighbourAttributionChart(neighbours),
  ].filter(
    (c): c is Chart => c !== undefined,
  );
}
