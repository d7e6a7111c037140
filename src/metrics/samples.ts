import { z } from 'zod';
import { engineSampleFields } from './engine-sample-fields.ts';
import { nodeDiskSchema } from './node-disk.ts';
import { volumeNodeSchema } from './volume-sample.ts';

/**
 * What runners (real and modelled) emit, as plain JSON-safe data: results files store these as they are,
 * and `report` and `stats` read them back through the same schemas.
 */

const seconds = z.number().nonnegative();
const bytes = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

/** OCI digest grammar: `algorithm:encoded`, e.g. `sha256:9f86d0...`. */
const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'expected a digest such as sha256:<hex>');

export const layerSampleSchema = z.object({
  digest,
  /** Compressed size as stored in the registry. */
  bytes,
  /** 0 when the node already held the layer. */
  downloadSeconds: seconds,
  unpackSeconds: seconds,
  files: count,
  /** When the download began, seconds after the node's deploy began (virtual nodes, and engines whose progress tells; absent when nothing was downloaded or in results written before it existed): calibration reads from it when a node's downloads overlapped. */
  downloadStartSeconds: seconds.optional(),
  /** When its unpack began, on the same clock (virtual nodes, and engines whose events tell; absent when it was not unpacked): calibration reads from it whether the node unpacked while it downloaded. */
  unpackStartSeconds: seconds.optional(),
});
export type LayerSample = z.infer<typeof layerSampleSchema>;

/** One node applying one deploy step under one strategy, in one repeat. */
export const nodeStepSampleSchema = z.object({
  node: z.string().min(1),
  step: z.string().min(1),
  /** A layer strategy's name, or the volume (rsync) side's. */
  strategy: z.string().min(1),
  repeat: count,
  /** When this node began, relative to the run's start: spreads show rollout concurrency. */
  startSeconds: seconds,
  /** Time to fetch and resolve the manifest (0 for rsync, which has none). */
  manifestSeconds: seconds,
  totalSeconds: seconds,
  /** Empty for the volume side, which ships files rather than layers. */
  layers: z.array(layerSampleSchema),
  bytesDownloaded: bytes,
  bytesWrittenToDisk: bytes,
  filesWritten: count,
  /** Simulated samples only: files created per second during the node's busiest unpack or sync. */
  peakIops: z.number().nonnegative().optional(),
  /** Simulated samples only: the node's data centre. */
  datacentre: z.string().optional(),
  /** Present when the node failed; the timings then cover what happened before the failure. */
  error: z.string().optional(),
  ...engineSampleFields,
  /** Volume side only: proxy, rsync counters, the node's mixed-version window. */
  volume: volumeNodeSchema.optional(),
  /** The node's disk after the step and its image GC (virtual nodes; absent in results written before it existed). */
  nodeDisk: nodeDiskSchema.optional(),
});
export type NodeStepSample = z.infer<typeof nodeStepSampleSchema>;

const warningBase = { message: z.string().min(1), fix: z.string().min(1) };
const share = z.number().min(0).max(1);

export const harnessCpuSaturatedSchema = z.object({
  kind: z.literal('harness-cpu-saturated'),
  ...warningBase,
  /** Share of the window with utilisation at or above `threshold`. */
  saturatedShare: share,
  threshold: share,
});
export const harnessDiskSaturatedSchema = z.object({
  kind: z.literal('harness-disk-saturated'),
  ...warningBase,
  device: z.string(),
  saturatedShare: share,
  threshold: share,
});
export const highVarianceSchema = z.object({
  kind: z.literal('high-variance'),
  ...warningBase,
  step: z.string(),
  strategy: z.string(),
  /** What varied, e.g. `totalSeconds`. */
  metric: z.string(),
  /** Standard deviation over mean. */
  coefficientOfVariation: z.number().nonnegative(),
});
export const fewSamplesSchema = z.object({
  kind: z.literal('few-samples'),
  ...warningBase,
  step: z.string(),
  strategy: z.string(),
  samples: count,
  minimum: count,
});

export const firstRepeatSlowSchema = z.object({
  kind: z.literal('first-repeat-slow'),
  ...warningBase,
  step: z.string(),
  strategy: z.string(),
  /** Median node seconds of the first measured repeat over the median of the later repeats' medians. */
  ratio: z.number().nonnegative(),
});

/** Warnings are data (ARCHITECTURE.md rule 6): stored in results, printed to stderr, each with a fix. */
export const runWarningSchema = z.discriminatedUnion('kind', [
  harnessCpuSaturatedSchema,
  harnessDiskSaturatedSchema,
  highVarianceSchema,
  fewSamplesSchema,
  firstRepeatSlowSchema,
]);
export type RunWarning = z.infer<typeof runWarningSchema>;
export type RunWarningKind = RunWarning['kind'];

const percent = (v: number) => `${Math.round(v * 100)}%`;

// Constructors keep each kind's wording and fix text in one place, whoever raises it.

export function harnessCpuSaturated(saturatedShare: number, threshold: number): RunWarning {
  return {
    kind: 'harness-cpu-saturated',
    message: `the harness CPU was the bottleneck: at least ${percent(threshold)} busy for ${percent(saturatedShare)} of the run, so timings measure shipbench as much as shipping`,
    fix: 'lower fleet.nodes or content.scale, or run on a bigger machine',
    saturatedShare,
    threshold,
  };
}

export function harnessDiskSaturated(device: string, saturatedShare: number, threshold: number): RunWarning {
  return {
    kind: 'harness-disk-saturated',
    message: `the harness disk ${device} was the bottleneck: at least ${percent(threshold)} busy for ${percent(saturatedShare)} of the run, so node writes queued behind each other`,
    fix: 'lower fleet.nodes or fleet.rollout.maxConcurrent, set fleet.node.unpack: false, or put the work directory on a faster disk',
    device,
    saturatedShare,
    threshold,
  };
}

export function highVariance(step: string, strategy: string, metric: string, coefficientOfVariation: number): RunWarning {
  return {
    kind: 'high-variance',
    message: `high variance in ${metric} for ${strategy} at step ${step}: the standard deviation is ${percent(coefficientOfVariation)} of the mean`,
    fix: 'raise measure.repeat (and measure.warmup), and keep other load off the machine',
    step,
    strategy,
    metric,
    coefficientOfVariation,
  };
}

export function fewSamples(step: string, strategy: string, samples: number, minimum: number): RunWarning {
  return {
    kind: 'few-samples',
    message: `only ${samples} sample${samples === 1 ? '' : 's'} for ${strategy} at step ${step}; at least ${minimum} are needed for a confidence interval`,
    fix: 'raise measure.repeat or fleet.nodes',
    step,
    strategy,
    samples,
    minimum,
  };
}

export function firstRepeatSlow(step: string, strategy: string, ratio: number): RunWarning {
  return {
    kind: 'first-repeat-slow',
    message: `the first measured repeat of ${strategy} at step ${step} was ${ratio.toFixed(1)}x slower than the later ones: it measured cold caches or start-up, not the steady state`,
    fix: 'add warmup (raise measure.warmup) so the first repeat is left out of the statistics',
    step,
    strategy,
    ratio,
  };
}
