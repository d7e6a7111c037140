import { contentSourceResultSchema } from './content-source-result.ts';
import { z } from 'zod';
import { cadenceResultsSchema } from '../metrics/cadence-results.ts';
import { calibrationComparisonSchema } from '../metrics/calibration-comparison.ts';
import { imageStepDeploySchema } from '../metrics/image-step-deploy.ts';
import { nodeStepSampleSchema, runWarningSchema } from '../metrics/samples.ts';
import { stepResultSchema } from '../metrics/step-result.ts';
import { neighboursResultsSchema } from './neighbour-results.ts';
import { engineFleetResultsSchema } from './engine-results.ts';

/**
 * results.json: one versioned schema for measured and (later) simulated runs. The writer validates with
 * these same types before every write, so a file on disk always parses; readers (report, compare, check)
 * parse with them too.
 */
export const RESULTS_SCHEMA_VERSION = 'shipbench/results/1';

export const phaseSchema = z.object({
  name: z.string(),
  startedSeconds: z.number(),
  seconds: z.number(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type Phase = z.infer<typeof phaseSchema>;

export const environmentSchema = z.object({
  hostname: z.string(),
  kernel: z.string(),
  cpuModel: z.string(),
  cpus: z.number().int(),
  memoryBytes: z.number(),
  node: z.string(),
  workDir: z.string(),
  disk: z.object({ device: z.string().optional(), fsType: z.string().optional(), note: z.string().optional() }),
  tools: z.record(z.string(), z.string()),
});
export type Environment = z.infer<typeof environmentSchema>;

export const runResultsSchema = z.object({
  schema: z.literal(RESULTS_SCHEMA_VERSION),
  source: z.enum(['measured', 'simulated']),
  status: z.enum(['running', 'completed', 'failed', 'interrupted']),
  failure: z.object({ phase: z.string(), message: z.string() }).optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** The resolved scenario, as run. */
  scenario: z.object({ name: z.string(), seed: z.string() }).loose(),
  /** What content was shipped: synthetic (preset, seed, scale) or a real source with its digest. */
  content: contentSourceResultSchema.optional(),
  environment: environmentSchema,
  registry: z.object({ kind: z.enum(['embedded', 'external']), url: z.string(), version: z.string().optional() }),
  phases: z.array(phaseSchema),
  steps: z.array(stepResultSchema),
  samples: z.array(nodeStepSampleSchema),
  warnings: z.array(runWarningSchema),
  /** Co-located workloads around each measured step (scenario `neighbours:`). */
  neighbours: neighboursResultsSchema.optional(),
  /** Real engines (docker, containerd nodes, fleet.hosts); absent for virtual-only runs. */
  engines: engineFleetResultsSchema.optional(),
  /** Present when the volume (rsync) side was measured: its samples carry strategy `volume`. */
  volume: z.object({ proxies: z.number().int().positive(), assign: z.enum(['round-robin', 'least-loaded']) }).optional(),
  /** The image side's build (from the previous step's cache) and push of every strategy's steps, timed per step. */
  imageSteps: z.array(imageStepDeploySchema).optional(),
  /** The build cadence and the week's merges (scenarios with `cadence:` or merge times). */
  cadence: cadenceResultsSchema.optional(),
  /** Simulated runs with --calibrate: simulated beside measured, with the error in percent. */
  calibration: calibrationComparisonSchema.optional(),
});
export type RunResults = z.infer<typeof runResultsSchema>;
