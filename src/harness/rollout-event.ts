import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';

/** What the rollout skeleton reports, the same for every mechanism. */
export type RolloutEvent =
  | { readonly type: 'step-start'; readonly strategy: string; readonly step: string; readonly repeat: number; readonly warmup: boolean; readonly nodes: number }
  | { readonly type: 'node-done'; readonly sample: NodeStepSample }
  | { readonly type: 'step-done'; readonly result: StepResult };
