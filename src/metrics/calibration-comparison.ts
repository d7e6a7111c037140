import { z } from 'zod';

/**
 * Simulated beside measured for the same scenario (results.json, `calibration`): which measured rates the
 * model took, and per strategy and step how far the simulation lands from the measurement.
 */
export const calibrationRowSchema = z.object({
  strategy: z.string(),
  step: z.string(),
  /** `makespan` (whole step), `p50-node` or `p90-node` (per-node total time); `median-node` in results written before p90 was compared. */
  metric: z.string(),
  measuredSeconds: z.number(),
  simulatedSeconds: z.number(),
  /** (simulated - measured) / measured, in percent. */
  errorPercent: z.number(),
});
export type CalibrationRow = z.infer<typeof calibrationRowSchema>;

export const calibrationComparisonSchema = z.object({
  /** The measured results file. */
  measured: z.string(),
  /** Model parameters taken from the measurement, in their units (e.g. `streamBytesPerSecond`). */
  parameters: z.record(z.string(), z.number()),
  rows: z.array(calibrationRowSchema),
  /** Seeded draws of the fleet the simulated figures are taken over (absent in older results: one). */
  simulatedDraws: z.number().int().positive().optional(),
  /** Mean of the absolute errors of the makespan rows, in percent. */
  meanAbsoluteErrorPercent: z.number(),
  /** Mean of the absolute errors of every row (makespan and node quantiles), in percent (absent in older results). */
  meanAbsoluteErrorAllPercent: z.number().optional(),
  /** The largest absolute error of any row, in percent: the figure a "within 15%" claim is held to (absent in older results). */
  maxAbsoluteErrorPercent: z.number().optional(),
  /** Why rows may be off that no fitted rate fixes: other work simulated than measured, a busy harness machine (absent in older results). */
  caveats: z.array(z.string()).optional(),
});
export type CalibrationComparison = z.infer<typeof calibrationComparisonSchema>;
