import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepIdentity } from '../metrics/step-hook.ts';
import type { StepResult } from '../metrics/step-result.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { RunEvent } from './run-events.ts';
import type { RunRecorder } from './run-recorder.ts';

/** The shipping mechanisms `run` can measure (mechanisms.ts maps each to its implementation). */
export type MechanismKind = 'image' | 'volume' | 'hybrid';

/** What every mechanism of one run shares. */
export interface RunContext {
  readonly scenario: ResolvedScenario;
  readonly images: GeneratedImageSet;
  readonly outDir: string;
  /** node-1..node-N, built once. */
  readonly nodeNames: readonly string[];
  readonly recorder: RunRecorder;
  /** Block device under outDir, for disk I/O series; undefined when there is none (tmpfs). */
  readonly diskDevice: string | undefined;
  readonly runStartMs: number;
  readonly signal: AbortSignal;
  readonly onEvent: (event: RunEvent) => void;
}

/**
 * One way of shipping code to the fleet. The harness calls, in order: `prepare` (what comes before the
 * fleet: the image side's registry and push), then the neighbours start, then `startFleet` (engines,
 * rsync daemons), whose lanes the rollout skeleton walks, then `teardown`, always, even after a failure or
 * an interruption in any of the others.
 */
export interface Mechanism {
  /** For progress lines: `image`, `volume`. */
  readonly name: string;
  /** The phase a failure during its rollout is blamed on. */
  readonly rolloutPhase: string;
  prepare(): Promise<void>;
  startFleet(): Promise<readonly Lane[]>;
  /** Undoes what it started; safe to call twice and after a failed `prepare`. */
  teardown(): Promise<void>;
}

/** A kind's entry in the mechanism map: checks before any work, and the mechanism itself. */
export interface MechanismEntry {
  /** Throws a clear error when a tool is missing; returns the tools' versions for results.environment. */
  preflight(scenario: ResolvedScenario, images: GeneratedImageSet): Promise<Record<string, string>>;
  /** Peak disk its fleet needs under --out. */
  plannedBytes(scenario: ResolvedScenario, images: GeneratedImageSet): number;
  create(run: RunContext): Mechanism;
}

/**
 * One sequence of deploy steps the skeleton walks per repeat: a layer strategy on one backend, or the
 * volume side. `label` is the strategy the samples carry.
 */
export interface Lane {
  readonly label: string;
  readonly steps: readonly string[];
  /** At most this many nodes of this lane at once, within fleet.rollout.maxConcurrent (scap's ssh batch for rsync lanes). */
  readonly maxConcurrent?: number;
  /** Makes the fleet cold: called at the start of every repeat. */
  reset(): Promise<void>;
  deployStep(stepIndex: number, step: StepIdentity): StepDeployment;
}

/** A fleet node as the skeleton hands it out: its name and its number (for round-robin choices). */
export interface FleetNode {
  readonly name: string;
  readonly index: number;
}

/** The figures of one step only its mechanism knows; the skeleton adds counts, sums, CPU and disk. */
export type MechanismStepFigures = Pick<StepResult, 'makespanSeconds' | 'registryBytesServed' | 'retries' | 'throughput'> &
  Partial<Pick<StepResult, 'backend' | 'versionSkew' | 'volume' | 'deploy' | 'registry'>>;

/** One deploy step of one lane, as the skeleton drives it. */
export interface StepDeployment {
  /** Before any node (the volume side's proxy tier). */
  begin(): Promise<void>;
  /** One node; a failure is recorded in the sample, never thrown. */
  deployNode(node: FleetNode): Promise<NodeStepSample>;
  /** Called exactly once, when the nodes are done or the step failed: stops its meters, returns its figures. */
  end(samples: readonly NodeStepSample[]): MechanismStepFigures | Promise<MechanismStepFigures>;
}
