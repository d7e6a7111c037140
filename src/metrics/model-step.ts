import { z } from 'zod';
import { timeSeriesSchema } from './time-series.ts';

/**
 * What only a simulated step has (results.json, `steps[].model`): the distribution tiers' bytes and egress
 * over time, and the per-node disk figures the fleet model computes. Absent in measured results.
 */
export const tierUsageSchema = z.object({
  /** `registry`, `backend`, `cache`, `peers`, `rsync-master`, `rsync-proxies`, `nodes` (ingress). */
  tier: z.string(),
  bytes: z.number().nonnegative(),
  peakBytesPerSecond: z.number().nonnegative(),
  /** Egress of the tier over time, bytes per second (for `nodes`: their summed ingress). */
  egress: timeSeriesSchema,
});
export type TierUsage = z.infer<typeof tierUsageSchema>;

/** Node time (start to ready) over the nodes that deployed in a step: quantiles (type 7) and the ECDF. */
export const nodeSecondsSchema = z.object({
  nodes: z.number().int().nonnegative(),
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  p999: z.number().nonnegative(),
  max: z.number().nonnegative(),
  /** At most a few hundred points: share of nodes ready within `seconds`. */
  ecdf: z.array(z.object({ seconds: z.number().nonnegative(), share: z.number().min(0).max(1) })),
});
export type NodeSecondsSummary = z.infer<typeof nodeSecondsSchema>;

/**
 * When containers run, beside nodeSeconds (the pull complete): after the pull and model.node.start, or for
 * lazy pulls after the working set and model.node.start. Absent in results written before the model had it.
 */
export const timeToStartSchema = z.object({
  /** From the step's start to the last container running. */
  makespanSeconds: z.number().nonnegative(),
  /** Per deployed node, from its start to its container running. */
  nodeSeconds: nodeSecondsSchema.optional(),
});
export type TimeToStart = z.infer<typeof timeToStartSchema>;

export const modelStepSchema = z.object({
  /** `direct`, `cache`, `p2p` for images; `rsync` for the volume side. */
  topology: z.string(),
  prePulledNodes: z.number().int().nonnegative(),
  tiers: z.array(tierUsageSchema),
  nodeDisk: z.object({
    maxBytesPerNode: z.number().nonnegative(),
    /** Files created per second during a node's busiest unpack (or sync), the highest node and the median one. */
    peakIopsMax: z.number().nonnegative(),
    peakIopsMedian: z.number().nonnegative(),
  }),
  /** The capacity that bounded the step (e.g. `registry egress`, `node nic`), as the model saw it; absent when none was saturated. */
  bottleneck: z.string().optional(),
  /** Absent in results written before the model had per-node spread. */
  nodeSeconds: nodeSecondsSchema.optional(),
  /** Image steps: time-to-start; nodeSeconds is time-to-complete. */
  timeToStart: timeToStartSchema.optional(),
  /**
   * Rolled pod by pod (model.rollout.releases): how long each release rolled in each data centre, and whether that
   * passed helm's timeout (model.rollout.timeout), which fails the release (Wikimedia's are atomic: rolled back).
   */
  releases: z.array(z.object({ release: z.string(), datacentre: z.string(), seconds: z.number().nonnegative(), pastTimeout: z.boolean() })).optional(),
  /** Events the simulator processed for this step (a cost figure, not a result). */
  events: z.number().int().nonnegative(),
});
export type ModelStep = z.infer<typeof modelStepSchema>;
