import type { RunAnalysis } from '../run-analysis.ts';
import { bytesPerStepChart } from './bytes-per-step-chart.ts';
import type { Chart } from './chart.ts';
import { completionTimeChart } from './completion-time-chart.ts';
import { diskChart } from './disk-chart.ts';
import { throughputChart } from './throughput-chart.ts';

/** Every chart a run's data supports (disk charts need a block device; simulated runs may have none). */
export function reportCharts(analysis: RunAnalysis): Chart[] {
  return [completionTimeChart(analysis), throughputChart(analysis), diskChart(analysis, 'bytes'), diskChart(analysis, 'iops'), bytesPerStepChart(analysis)].filter(
    (c): c is Chart => c !== undefined,
  );
}
