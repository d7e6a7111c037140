import { z } from 'zod';

/**
 * Simulated beside measured for the same scenario (results.json, `calibration`): which measured rates the
 * model took, and per strategy and step how far the simulation lands from the measurement.
 */
export const calibrationRowSchema = z.object({
  strategy: z.string(),
  step: z.string(),
  /** `makespan` (whole step) or `median-node` (median per-node total). */
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
  /** Mean of the absolute errors of the makespan rows, in percent. */
  meanAbsoluteErrorPercent: z.number(),
});
export type CalibrationComparison = z.infer<typeof calibrationComparisonSchema>;
