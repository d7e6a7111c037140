import { z } from 'zod';

/**
 * `sweep.json`: one simulated run per point of a sweep (each point's own results.json, in the run schema, sits
 * under points/), with the varied keys and the figures a planner reads across points. Written after every point.
 */
export const SWEEP_SCHEMA = 'shipbench/sweep/1';

export const pointFiguresSchema = z.object({
  /** Strategy variant as in results: `monolithic`, `monolithic@p2p`, `volume`. */
  strategy: z.string(),
  step: z.string(),
  makespanSeconds: z.number(),
  p50Seconds: z.number(),
  p90Seconds: z.number(),
  p99Seconds: z.number(),
  registryEgressBytes: z.number(),
  failedNodes: z.number().int().nonnegative(),
  /** The resource the model found saturated, when it says. */
  bottleneck: z.string().optional(),
});
export type PointFigures = z.infer<typeof pointFiguresSchema>;

export const sweepPointSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Swept key -> value at this point (as the scenario would hold it). */
  values: z.record(z.string(), z.unknown()),
  /** A point visited by the target search rather than listed by --sweep. */
  probe: z.boolean(),
  /** This point's results.json, relative to sweep.json. */
  results: z.string(),
  figures: z.array(pointFiguresSchema),
});
export type SweepPoint = z.infer<typeof sweepPointSchema>;

const answerSchema = z.object({
  strategy: z.string(),
  kind: z.enum(['smallest', 'largest', 'everywhere', 'nowhere']),
  value: z.number().optional(),
  bottleneck: z.string().optional(),
});
export type TargetAnswer = z.infer<typeof answerSchema>;

export const sweepResultsSchema = z.object({
  schema: z.literal(SWEEP_SCHEMA),
  status: z.enum(['running', 'completed', 'failed', 'interrupted']),
  startedAt: z.string(),
  scenario: z.object({ name: z.string(), file: z.string() }),
  axes: z.array(z.object({ key: z.string(), values: z.array(z.unknown()), scale: z.enum(['linear', 'log', 'list']) })),
  target: z
    .object({ text: z.string(), metric: z.string(), comparison: z.string(), threshold: z.number(), step: z.string().optional(), key: z.string(), answers: z.array(answerSchema) })
    .optional(),
  points: z.array(sweepPointSchema),
  failure: z.object({ message: z.string() }).optional(),
});
export type SweepResults = z.infer<typeof sweepResultsSchema>;
