import pLimit from 'p-limit';
import { CpuSampler } from '../metrics/cpu-sampler.ts';
import { DiskstatsSampler } from '../metrics/diskstats-sampler.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { AroundStep, StepIdentity } from '../metrics/step-hook.ts';
import type { StepResult } from '../metrics/step-result.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { rolloutWaves } from '../scenario/rollout-waves.ts';
import type { Lane, StepDeployment } from './mechanism.ts';
import type { RolloutEvent } from './rollout-event.ts';

export interface RolloutOptions {
  readonly scenario: ResolvedScenario;
  readonly nodeNames: readonly string[];
  readonly diskDevice: string | undefined;
  readonly runStartMs: number;
  readonly signal: AbortSignal | undefined;
  /** Wrapped around each step's rollout (e.g. neighbour baseline before it and recovery after it). */
  readonly aroundStep?: AroundStep | undefined;
  readonly onEvent: (event: RolloutEvent) => void;
  /** Each node's sample the moment it is done, so an interrupted step keeps what it measured. */
  readonly onSample?: (sample: NodeStepSample) => void;
  /** Called after each step (also one cut short by an interruption); the caller persists it. */
  readonly onStep: (result: StepResult, samples: NodeStepSample[]) => Promise<void>;
}

const SAMPLE_INTERVAL_MS = 250;

/**
 * The measured part of `run`, the same for every mechanism: for every repeat (warmups first), every lane
 * starts from a cold fleet and walks the deploy sequence; each step is rolled out in waves (canaries, then
 * the rest), at most `rollout.maxConcurrent` nodes at a time (fewer when the lane has a limit of its own:
 * scap's batch), while CPU and disk are sampled. It stops when interrupted (after recording the finished
 * nodes of the step under way) or when every node of a step failed, since later steps would only measure
 * the same failure (a dead registry).
 */
export async function runRollouts(lanes: readonly Lane[], options: RolloutOptions): Promise<{ stoppedBecause: string | undefined }> {
  const { scenario } = options;
  const aborted = () => options.signal?.aborted === true;
  const repeats = scenario.measure.warmup + scenario.measure.repeat;
  const around: AroundStep = options.aroundStep ?? ((_, rollout) => rollout());
  for (let repeat = 0; repeat < repeats; repeat++) {
    const warmup = repeat < scenario.measure.warmup;
    for (const lane of lanes) {
      if (aborted()) return { stoppedBecause: 'interrupted' };
      await lane.reset();
      for (const [i, step] of lane.steps.entries()) {
        if (aborted()) return { stoppedBecause: 'interrupted' };
        const identity: StepIdentity = { strategy: lane.label, step, repeat, warmup };
        const { result, samples } = await around(identity, () => rolloutStep(lane.deployStep(i, identity), identity, Math.min(scenario.fleet.rollout.maxConcurrent, lane.maxConcurrent ?? Number.POSITIVE_INFINITY), options));
        if (aborted()) {
          if (samples.length > 0) await options.onStep(result, samples);
          return { stoppedBecause: 'interrupted' };
        }
        await options.onStep(result, samples);
        if (result.failedNodes === result.nodes) {
          return { stoppedBecause: `every node failed ${lane.label} ${step}: ${samples.find((x) => x.error !== undefined)?.error ?? ''}` };
        }
      }
    }
  }
  return { stoppedBecause: undefined };
}

async function rolloutStep(deployment: StepDeployment, id: StepIdentity, atOnce: number, options: RolloutOptions): Promise<{ result: StepResult; samples: NodeStepSample[] }> {
  const { runStartMs } = options;
  const aborted = () => options.signal?.aborted === true;
  options.onEvent({ type: 'step-start', strategy: id.strategy, step: id.step, repeat: id.repeat, warmup: id.warmup, nodes: options.nodeNames.length });
  const cpu = new CpuSampler(SAMPLE_INTERVAL_MS, { originMs: runStartMs });
  const disk = options.diskDevice === undefined ? undefined : new DiskstatsSampler(options.diskDevice, SAMPLE_INTERVAL_MS, { originMs: runStartMs });
  cpu.start();
  disk?.start();
  const samples: NodeStepSample[] = [];
  try {
    await deployment.begin();
    const index = new Map(options.nodeNames.map((n, i) => [n, i]));
    const limit = pLimit(atOnce);
    for (const wave of rolloutWaves(options.nodeNames, options.scenario.fleet.rollout.stages)) {
      await Promise.all(
        wave.map((name) =>
          limit(async () => {
            // Interrupted: nodes not yet started stay out, and a node cut short measured nothing.
            if (aborted()) return;
            const sample = await deployment.deployNode({ name, index: index.get(name) as number });
            if (aborted() && sample.error !== undefined) return;
            samples.push(sample);
            options.onEvent({ type: 'node-done', sample });
            options.onSample?.(sample);
          }),
        ),
      );
    }
  } catch (error) {
    await Promise.resolve(deployment.end(samples)).catch(() => undefined);
    cpu.stop();
    disk?.stop();
    throw error;
  }
  const figures = await deployment.end(samples);
  const cpuWindow = cpu.stop();
  const diskWindow = disk?.stop();
  const sum = (field: 'bytesDownloaded' | 'bytesWrittenToDisk' | 'filesWritten') => samples.reduce((n, s) => n + s[field], 0);
  const result: StepResult = {
    strategy: id.strategy,
    ...(figures.backend === undefined ? {} : { backend: figures.backend }),
    step: id.step,
    repeat: id.repeat,
    warmup: id.warmup,
    nodes: samples.length,
    failedNodes: samples.filter((s) => s.error !== undefined).length,
    makespanSeconds: figures.makespanSeconds,
    bytesDownloaded: sum('bytesDownloaded'),
    bytesWrittenToDisk: sum('bytesWrittenToDisk'),
    filesWritten: sum('filesWritten'),
    registryBytesServed: figures.registryBytesServed,
    retries: figures.retries,
    throughput: figures.throughput,
    cpu: cpuWindow,
    ...(diskWindow === undefined ? {} : { disk: diskWindow }),
    ...(figures.versionSkew === undefined ? {} : { versionSkew: figures.versionSkew }),
    ...(figures.volume === undefined ? {} : { volume: figures.volume }),
    ...(figures.deploy === undefined ? {} : { deploy: figures.deploy }),
    ...(figures.registry === undefined ? {} : { registry: figures.registry }),
  };
  // A step the signal stopped before any node finished did nothing worth a line.
  if (samples.length > 0 || !aborted()) options.onEvent({ type: 'step-done', result });
  return { result, samples };
}
