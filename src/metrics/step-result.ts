import { z } from 'zod';
import { cpuWindowSchema } from './cpu-sampler.ts';
import { deployPartsSchema } from './deploy-parts.ts';
import { diskWindowSchema } from './diskstats-sampler.ts';
import { modelStepSchema } from './model-step.ts';
import { timeSeriesSchema } from './time-series.ts';
import { versionSkewSchema, volumeStepSchema } from './volume-sample.ts';

/**
 * What one deploy step of one strategy did across the fleet, in one repeat: the per-step summary runners
 * emit beside the per-node samples (percentiles of those are the stats module's job).
 */
export const stepResultSchema = z.object({
  /** A layer strategy's name, or `volume` for the rsync side (a name layer strategies may not take). */
  strategy: z.string(),
  /** The node backend when it is a real engine (docker, containerd); absent for virtual nodes. */
  backend: z.enum(['virtual', 'docker', 'containerd']).optional(),
  step: z.string(),
  repeat: z.number().int().nonnegative(),
  /** Warmup repeats are kept but left out of statistics. */
  warmup: z.boolean(),
  nodes: z.number().int(),
  failedNodes: z.number().int(),
  /** First node start to last node end. */
  makespanSeconds: z.number(),
  bytesDownloaded: z.number(),
  bytesWrittenToDisk: z.number(),
  filesWritten: z.number(),
  /** Layer bytes the registry served during the step (all nodes' clients); 0 on the volume side. */
  registryBytesServed: z.number(),
  retries: z.number().int(),
  /** Aggregate download throughput of all nodes, bytes per second. */
  throughput: timeSeriesSchema,
  cpu: cpuWindowSchema,
  disk: diskWindowSchema.optional(),
  /** Fleet-wide two-version window (both mechanisms; absent in results written before it existed). */
  versionSkew: versionSkewSchema.optional(),
  /** Volume side only: master and per-proxy traffic. */
  volume: volumeStepSchema.optional(),
  /** Per-step deploy latency as parts (absent in results written before it existed). */
  deploy: deployPartsSchema.optional(),
  /** Simulated steps only: tiers, egress over time, per-node disk figures. */
  model: modelStepSchema.optional(),
});
export type StepResult = z.infer<typeof stepResultSchema>;

