import { z } from 'zod';
import { measurementSchema } from './check-measurements.ts';

/**
 * What `check --json FILE` writes: the figures and the verdicts. A later check takes the file as its
 * --baseline (its measurements), so CI can keep the main branch's as an artifact and compare against it.
 */
export const CHECK_SCHEMA_VERSION = 'shipbench/check/1';

export const verdictSchema = z.object({
  rule: z.string(),
  name: z.string().optional(),
  metric: z.string(),
  strategy: z.string(),
  step: z.string(),
  before: z.number().optional(),
  after: z.number(),
  budget: z.string(),
  pass: z.boolean(),
  failures: z.array(z.string()),
  estimated: z.boolean(),
});

export const checkReportSchema = z.object({
  schema: z.literal(CHECK_SCHEMA_VERSION),
  source: z.object({ kind: z.string(), location: z.string() }),
  baseline: z.object({ kind: z.string(), location: z.string() }).optional(),
  /** Set when compressed sizes were estimated by gzip at this level (a docker-archive source). */
  compressedEstimatedAtGzipLevel: z.number().optional(),
  passed: z.boolean(),
  measurements: z.array(measurementSchema),
  verdicts: z.array(verdictSchema),
});
export type CheckReport = z.infer<typeof checkReportSchema>;
