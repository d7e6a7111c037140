import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';

/** What a run recorded, measured or simulated, as calibration reads it. */
export interface MeasuredRun {
  readonly steps: readonly StepResult[];
  readonly samples: readonly NodeStepSample[];
}
