import { getMaxListeners, setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CpuSampler } from '../metrics/cpu-sampler.ts';
import { DiskstatsSampler } from '../metrics/diskstats-sampler.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { ratesFromCounters } from '../metrics/time-series.ts';
import { versionSkewOf } from '../metrics/volume-sample.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import { registryTimeoutsOf } from '../registry/registry-timeouts.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { rolloutWaves } from '../scenario/rollout-waves.ts';
import type { NodeBackend, NodeBackendKind } from './node-backend.ts';
import { VirtualNode } from './virtual-node.ts';
import type { AroundStep } from '../metrics/step-hook.ts';
import pLimit from 'p-limit';

/** A strategy's images as pushed: the repository and the tag of each deploy step, in deploy order. */
export interface PushedStrategy {
  readonly name: string;
  readonly repository: string;
  readonly tags: readonly string[];
}

export type RolloutEvent =
  | { readonly type: 'step-start'; readonly strategy: string; readonly step: string; readonly repeat: number; readonly warmup: boolean; readonly nodes: number }
  | { readonly type: 'node-done'; readonly sample: NodeStepSample }
  | { readonly type: 'step-done'; readonly result: StepResult };

export interface RolloutInput {
  readonly scenario: ResolvedScenario;
  readonly strategies: readonly PushedStrategy[];
  readonly registryUrl: string;
  readonly auth: RegistryCredentials | undefined;
  /** Node disks go to `<workDir>/nodes/<node>/`. */
  readonly workDir: string;
  /** Block device under workDir, for disk I/O series; undefined when there is none (tmpfs). */
  readonly diskDevice: string | undefined;
  readonly runStartMs: number;
  readonly onEvent: (event: RolloutEvent) => void;
  /** Called after each step with its results; the caller persists them (a crash keeps what was measured). */
  readonly onStep: (result: StepResult, samples: NodeStepSample[]) => Promise<void>;
  readonly signal: AbortSignal | undefined;
  /** Wrapped around each step's rollout (e.g. neighbour baseline before it and recovery after it). */
  readonly aroundStep?: AroundStep;
  /**
   * The fleet, per backend, already started (engines) and owned by the caller; every backend runs every
   * step. Undefined: virtual nodes, made here. With more than one backend, samples and step results name
   * the strategy `<strategy>@<backend>` so the backends stay apart wherever results are grouped.
   */
  readonly backends?: readonly BackendNodes[];
}

export interface BackendNodes {
  readonly backend: NodeBackendKind;
  readonly nodes: readonly NodeBackend[];
}

/** node-1..node-N, zero-padded so they sort. */
export function fleetNodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node-${String(i + 1).padStart(String(count).length, '0')}`);
}

/** The scenario's virtual nodes, disks under `<workDir>/nodes/<node>/`. */
export function createVirtualNodes(scenario: ResolvedScenario, workDir: string, registryUrl: string, auth: RegistryCredentials | undefined): VirtualNode[] {
  return fleetNodeNames(scenario.fleet.nodes).map(
    (name) =>
      new VirtualNode({
        name,
        dir: join(workDir, 'nodes', name),
        registryUrl,
        auth,
        maxConcurrentDownloads: scenario.fleet.node.maxConcurrentDownloads,
        nicBitsPerSecond: scenario.fleet.node.nicBitsPerSecond,
        diskWriteBytesPerSecond: scenario.fleet.node.disk.writeBytesPerSecond,
        unpack: scenario.fleet.node.unpack,
        timeouts: registryTimeoutsOf(scenario.registry),
      }),
  );
}

const SAMPLE_INTERVAL_MS = 250;

/** A function, not `signal.aborted` inline: the compiler would carry an earlier check past an await, where the signal may have fired. */
function interrupted(input: RolloutInput): boolean {
  return input.signal?.aborted === true;
}

/**
 * The measured part of `run`: for every repeat (warmups first), every strategy starts from cold nodes and
 * walks the deploy sequence; each step is rolled out in waves (canaries, then the rest), at most
 * `rollout.maxConcurrent` nodes at a time, while CPU, disk and aggregate throughput are sampled.
 */
export async function runImageRollouts(input: RolloutInput): Promise<{ stoppedBecause: string | undefined }> {
  const { scenario } = input;
  const owned = input.backends === undefined ? createVirtualNodes(scenario, input.workDir, input.registryUrl, input.auth) : [];
  const sets: readonly BackendNodes[] = input.backends ?? [{ backend: 'virtual', nodes: owned }];
  // Every node deploying at once listens for the interruption: that many listeners are expected, not a leak.
  if (input.signal !== undefined) setMaxListeners(Math.max(getMaxListeners(input.signal), scenario.fleet.rollout.maxConcurrent + 16), input.signal);
  const repeats = scenario.measure.warmup + scenario.measure.repeat;
  try {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const warmup = repeat < scenario.measure.warmup;
      for (const strategy of input.strategies) {
        for (const { backend, nodes } of sets) {
          const label = sets.length > 1 ? `${strategy.name}@${backend}` : strategy.name;
          // Every repeat of every strategy starts cold.
          await Promise.all(nodes.map((n) => n.reset()));
          for (const [i, tag] of strategy.tags.entries()) {
            if (interrupted(input)) return { stoppedBecause: 'interrupted' };
            const step = scenario.deploy[i]?.name ?? tag;
            const around = input.aroundStep ?? ((_, rollout) => rollout());
            const { result, samples } = await around({ strategy: label, step, repeat, warmup }, () => rolloutStep(input, nodes, { ...strategy, name: label }, backend, tag, step, repeat, warmup));
            await input.onStep(result, samples);
            if (interrupted(input)) return { stoppedBecause: 'interrupted' };
            // When no node got through, later steps would only measure the same failure (a dead registry).
            if (result.failedNodes === result.nodes) {
              return { stoppedBecause: `every node failed ${label} ${step}: ${samples.find((x) => x.error !== undefined)?.error ?? ''}` };
            }
          }
        }
      }
    }
  } finally {
    await Promise.all(owned.map((n) => n.close()));
  }
  return { stoppedBecause: undefined };
}

async function rolloutStep(
  input: RolloutInput,
  nodes: readonly NodeBackend[],
  strategy: PushedStrategy,
  backend: NodeBackendKind,
  tag: string,
  step: string,
  repeat: number,
  warmup: boolean,
): Promise<{ result: StepResult; samples: NodeStepSample[] }> {
  const { scenario, runStartMs } = input;
  input.onEvent({ type: 'step-start', strategy: strategy.name, step, repeat, warmup, nodes: nodes.length });
  const cpu = new CpuSampler(SAMPLE_INTERVAL_MS, { originMs: runStartMs });
  const disk = input.diskDevice === undefined ? undefined : new DiskstatsSampler(input.diskDevice, SAMPLE_INTERVAL_MS, { originMs: runStartMs });
  let received = 0;
  const counter: Array<{ tSeconds: number; value: number }> = [];
  const mark = () => counter.push({ tSeconds: (performance.now() - runStartMs) / 1000, value: received });
  const bytesBefore = nodes.reduce((n, node) => n + node.bytesDown, 0);
  const retriesBefore = nodes.reduce((n, node) => n + node.retries, 0);
  cpu.start();
  disk?.start();
  mark();
  const ticker = setInterval(mark, SAMPLE_INTERVAL_MS);
  const samples: NodeStepSample[] = [];
  try {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const limit = pLimit(scenario.fleet.rollout.maxConcurrent);
    for (const wave of rolloutWaves(nodes.map((n) => n.name), scenario.fleet.rollout.stages)) {
      await Promise.all(
        wave.map((name) =>
          limit(async () => {
            // Interrupted: nodes still queued do not start, and a node cut short measured nothing.
            if (interrupted(input)) return;
            const sample = await (byName.get(name) as NodeBackend).deploy({
              repository: strategy.repository,
              tag,
              step,
              strategy: strategy.name,
              repeat,
              runStartMs,
              onBytes: (n) => (received += n),
              signal: input.signal,
            });
            if (interrupted(input) && sample.error !== undefined) return;
            samples.push(sample);
            input.onEvent({ type: 'node-done', sample });
          }),
        ),
      );
    }
  } finally {
    clearInterval(ticker);
    mark();
  }
  const cpuWindow = cpu.stop();
  const diskWindow = disk?.stop();
  const ends = samples.map((s) => s.startSeconds + s.totalSeconds);
  const starts = samples.map((s) => s.startSeconds);
  // A node switches to the new image at once, when its pull and unpack are done.
  const skew = versionSkewOf(samples.filter((s) => s.error === undefined).map((s) => s.startSeconds + s.totalSeconds), true);
  const result: StepResult = {
    strategy: strategy.name,
    ...(backend === 'virtual' ? {} : { backend }),
    step,
    repeat,
    warmup,
    nodes: samples.length,
    failedNodes: samples.filter((s) => s.error !== undefined).length,
    makespanSeconds: samples.length === 0 ? 0 : Math.max(...ends) - Math.min(...starts),
    bytesDownloaded: samples.reduce((n, s) => n + s.bytesDownloaded, 0),
    bytesWrittenToDisk: samples.reduce((n, s) => n + s.bytesWrittenToDisk, 0),
    filesWritten: samples.reduce((n, s) => n + s.filesWritten, 0),
    registryBytesServed: nodes.reduce((n, node) => n + node.bytesDown, 0) - bytesBefore,
    retries: nodes.reduce((n, node) => n + node.retries, 0) - retriesBefore,
    throughput: ratesFromCounters('aggregate download', 'bytes/s', counter),
    cpu: cpuWindow,
    ...(diskWindow === undefined ? {} : { disk: diskWindow }),
    ...(skew === undefined ? {} : { versionSkew: skew }),
  };
  input.onEvent({ type: 'step-done', result });
  return { result, samples };
}
