import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import type { MeasuredRun } from './measured-run.ts';

import type { BACKEND_KINDS } from '../scenario/fleet-engines-schema.ts';
import type { ContainerRuntime } from '../scenario/runtime-pull-rules.ts';

/** The node backends a run can measure (the command line lists them as its choices). */
export type CalibrationBackend = (typeof BACKEND_KINDS)[number];

const backendOfSample = (s: NodeStepSample): CalibrationBackend => s.backend ?? 'virtual';

/** The backends a run measured, in the order its samples name them. */
export function measuredBackends(run: MeasuredRun): CalibrationBackend[] {
  return [...new Set(run.samples.map(backendOfSample))];
}

/**
 * One backend's part of a run, named as the model names strategies: a run over several backends calls its
 * strategies `<strategy>@<backend>` (image-mechanism.ts), which the model, simulating one kind of node,
 * does not. The model is fitted to, and compared with, one backend at a time.
 */
export function measuredOnBackend(run: MeasuredRun, backend: CalibrationBackend): MeasuredRun {
  const suffix = `@${backend}`;
  const plain = (name: string) => (name.endsWith(suffix) ? name.slice(0, -suffix.length) : name);
  const several = measuredBackends(run).length > 1;
  const samples = run.samples.filter((s) => backendOfSample(s) === backend).map((s) => ({ ...s, strategy: plain(s.strategy) }));
  // The rsync side has no backend suffix: it goes with the virtual nodes, which are the harness's own.
  const onBackend = (s: StepResult) => !several || s.strategy.endsWith(suffix) || (backend === 'virtual' && !s.strategy.includes('@'));
  const steps = run.steps.filter(onBackend).map((s) => ({ ...s, strategy: plain(s.strategy) }));
  return { steps, samples };
}

/**
 * Whose pull rules the model follows to match a backend's nodes: an engine's own, and for virtual nodes the
 * runtime they emulated (the scenario's fleet.node.runtime, which the model already follows).
 */
export function runtimeOfBackend(backend: CalibrationBackend, virtualRuntime: ContainerRuntime): ContainerRuntime {
  return backend === 'virtual' ? virtualRuntime : backend;
}
