/**
 * What `shipbench check` can hold to a budget. Image metrics come from reading images (a scenario's, an
 * OCI layout, a docker-archive, a registry); result metrics from a results.json (measured or simulated).
 */
export type MetricUnit = 'bytes' | 'count' | 'seconds' | 'share' | 'ratio';

export interface MetricInfo {
  readonly unit: MetricUnit;
  readonly from: 'image' | 'results';
  /** Efficiency is better high; everything else is better low. */
  readonly better: 'lower' | 'higher';
  readonly describe: string;
}

export const BUDGET_METRICS = {
  'compressed-size': { unit: 'bytes', from: 'image', better: 'lower', describe: 'bytes of all layer blobs: what a registry stores and a cold node downloads' },
  'uncompressed-size': { unit: 'bytes', from: 'image', better: 'lower', describe: 'bytes of all layer tars: what a cold node unpacks' },
  layers: { unit: 'count', from: 'image', better: 'lower', describe: 'layers in the image' },
  'largest-layer': { unit: 'bytes', from: 'image', better: 'lower', describe: 'compressed bytes of the largest layer (one download nothing can parallelise)' },
  'wasted-bytes': { unit: 'bytes', from: 'image', better: 'lower', describe: 'file bytes overwritten or deleted by upper layers (shipped, never seen)' },
  efficiency: { unit: 'share', from: 'image', better: 'higher', describe: '1 - wasted bytes / file bytes of all layers' },
  'deploy-download': { unit: 'bytes', from: 'image', better: 'lower', describe: 'bytes a node holding the previous step downloads for this step' },
  'deploy-new-layers': { unit: 'count', from: 'image', better: 'lower', describe: 'layers a node holding the previous step lacks' },
  'p99-node-seconds': { unit: 'seconds', from: 'results', better: 'lower', describe: '99th percentile of node completion time (all measured repeats)' },
  'makespan-seconds': { unit: 'seconds', from: 'results', better: 'lower', describe: 'first node start to last node end, worst measured repeat' },
  'deploy-total-seconds': { unit: 'seconds', from: 'results', better: 'lower', describe: 'the step from code to every node serving it (image: build + push + rollout; volume: prep + sync), worst measured repeat' },
  'registry-egress-bytes': { unit: 'bytes', from: 'results', better: 'lower', describe: 'layer bytes the registry served in the step, worst measured repeat' },
  'neighbour-p99-slowdown': {
    unit: 'ratio',
    from: 'results',
    better: 'lower',
    describe: 'p99 latency of a co-located neighbour while the step rolled out over its p99 just before (worst neighbour and repeat; results with `neighbours:`)',
  },
  // CPU seconds (per GiB served): budgets read `max: 2s`, at most two CPU seconds per GiB.
  'registry-cpu-seconds-per-gib': {
    unit: 'seconds',
    from: 'results',
    better: 'lower',
    describe: 'CPU seconds the embedded registry spent per GiB it served in the step, worst measured repeat (results of runs with `registry: { embedded: true }`)',
  },
  'failed-nodes': { unit: 'count', from: 'results', better: 'lower', describe: 'nodes that failed the step, all measured repeats' },
} as const satisfies Record<string, MetricInfo>;

export type BudgetMetric = keyof typeof BUDGET_METRICS;
export const BUDGET_METRIC_NAMES = Object.keys(BUDGET_METRICS) as BudgetMetric[];

export function metricInfo(metric: BudgetMetric): MetricInfo {
  return BUDGET_METRICS[metric];
}
