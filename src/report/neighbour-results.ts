import { z } from 'zod';

/**
 * `neighbours` in results.json: what co-located workloads saw around each measured deploy step. Optional,
 * so results without neighbours (and older files) parse unchanged.
 */

const latency = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() });

const phaseFigures = z.object({
  startSeconds: z.number(),
  seconds: z.number(),
  operations: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  operationsPerSecond: z.number(),
  latencyMs: latency.nullable(),
});
export type NeighbourPhaseResult = z.infer<typeof phaseFigures>;

const perOp = z.number().nullable();
const diskFigures = z.object({ ios: z.number(), latencyMs: z.number().nullable(), queueDepth: z.number(), utilisation: z.number() }).nullable();
const phaseAttribution = z.object({
  operations: z.number().int().nonnegative(),
  meanLatencyMs: perOp,
  runQueueWaitMsPerOp: perOp,
  cpuStallMsPerOp: perOp,
  blkioDelayMsPerOp: perOp,
  ioStallMsPerOp: perOp,
  /** The stacked parts: PSI stall where measured, else schedstat and delay accounting; ioWait null: not counted (service holds it). */
  cpuWaitMsPerOp: perOp,
  ioWaitMsPerOp: perOp,
  serviceMsPerOp: perOp,
  cpuWaitShare: perOp,
  disk: diskFigures,
});

/** Where the time went per phase and what the slow-down is made of (stats/neighbour-attribution.ts). */
export const neighbourAttributionSchema = z.object({
  phases: z.object({ baseline: phaseAttribution, contention: phaseAttribution, recovery: phaseAttribution }),
  slowdown: z.object({
    addedMs: perOp,
    cpuWaitMs: perOp,
    ioWaitMs: perOp,
    serviceMs: perOp,
    cpuWaitShare: perOp,
    ioWaitShare: perOp,
    cause: z.enum(['cpu-wait', 'io-wait', 'service', 'none']),
  }),
  /** What competed: shipbench and the processes it started (nodes, rsync, registry, engines), in cores busy and cores' worth waiting. */
  harness: z.object({ baseline: z.object({ cpuCores: z.number(), cpuWaitCores: z.number() }), contention: z.object({ cpuCores: z.number(), cpuWaitCores: z.number() }) }).optional(),
});

/** The CPU isolation a run's neighbours had (neighbours/cpu-isolation.ts). */
export const neighbourIsolationSchema = z.object({
  requested: z.enum(['cpuset', 'shared']).optional(),
  mode: z.enum(['cpuset', 'shared']),
  neighbourCpus: z.string().optional(),
  harnessCpus: z.string().optional(),
  note: z.string(),
  /** Whether the kernel counted the neighbours' blkio delay (delay accounting). */
  ioWaitMeasured: z.boolean(),
  /** Whether each neighbour's CPU and I/O stalls came from its own cgroup's PSI. Absent in older files. */
  stallsMeasured: z.boolean().optional(),
});

export const neighbourStepResultSchema = z.object({
  neighbour: z.string(),
  kind: z.enum(['http', 'fio']),
  strategy: z.string(),
  step: z.string(),
  repeat: z.number().int().nonnegative(),
  /** `crashed`: the neighbour died or failed during this step; its figures cover what it did before. */
  status: z.enum(['measured', 'crashed']),
  crash: z.string().optional(),
  /** http: requests the load generator sent more than 10 ms late because it was itself starved of CPU. */
  lateSends: z.number().int().nonnegative(),
  phases: z.object({ baseline: phaseFigures, contention: phaseFigures, recovery: phaseFigures }),
  slowdown: z.object({
    baselineMs: z.number().nullable(),
    contentionMs: z.number().nullable(),
    ratio: z.number().nullable(),
    deltaMs: z.number().nullable(),
    deltaRelativeCi: z.object({ low: z.number(), high: z.number() }).nullable(),
    p: z.number().nullable(),
    significant: z.boolean(),
    tooFewSamples: z.boolean(),
    /** p <= alpha but a change under the section's minEffect; absent in files written before minEffect existed. */
    belowMinEffect: z.boolean().optional(),
    baselineBins: z.number().int().nonnegative(),
    contentionBins: z.number().int().nonnegative(),
  }),
  p99Ratio: z.number().nullable(),
  recoveredAfterSeconds: z.number().nullable(),
  impactSeconds: z.number().nullable(),
  series: z.object({ tMs: z.array(z.number().int()), latencyUs: z.array(z.number().int()), failedTMs: z.array(z.number().int()) }),
  /** Absent in results written before attribution existed. */
  attribution: neighbourAttributionSchema.optional(),
});
export type NeighbourStepResult = z.infer<typeof neighbourStepResultSchema>;

export const neighbourWorkloadResultSchema = z.object({
  name: z.string(),
  kind: z.enum(['http', 'fio']),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /** http: autocannon's closed-loop probe before the measurement (capacity and warm-up). */
  probe: z.object({ requestsPerSecond: z.number(), errors: z.number(), non2xx: z.number(), latencyP50Ms: z.number(), latencyP99Ms: z.number() }).optional(),
});

export const neighboursResultsSchema = z.object({
  /** How latency was measured, in words, for whoever reads the file without the code. */
  method: z.string(),
  binSeconds: z.number(),
  alpha: z.number(),
  /** Smallest relative change counted as an impact; absent (none) in files written before it existed. */
  minEffect: z.number().optional(),
  baselineSeconds: z.number(),
  recoverySeconds: z.number(),
  /** Absent in results written before isolation existed (the neighbours then shared the CPUs). */
  isolation: neighbourIsolationSchema.optional(),
  workloads: z.array(neighbourWorkloadResultSchema),
  steps: z.array(neighbourStepResultSchema),
});
export type NeighboursResults = z.infer<typeof neighboursResultsSchema>;
