import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { AroundStep } from '../metrics/step-hook.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { ratesFromCounters } from '../metrics/time-series.ts';
import { type ProxyStep, versionSkewOf } from '../metrics/volume-sample.ts';
import { ShipbenchError } from '../core/errors.ts';
import { fleetNodeNames } from '../scenario/fleet-node-names.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { HeldProcesses } from '../volume/held-process.ts';
import { syncNode } from '../volume/node-sync.ts';
import { daemonInfo, type ProxyTier, resetProxyTier, STAGING_MODULE, startProxyTier, syncProxyTier } from '../volume/proxy-tier.ts';
import { prepStagingTree } from '../volume/staging-prep.ts';
import { rsyncVersion } from '../volume/rsync-binary.ts';
import type { RsyncDaemon } from '../volume/rsync-daemon.ts';
import { RSYNC_ENV } from '../volume/rsync-sync.ts';
import { type StagingTree, VOLUME_STRATEGY, type VolumeRolloutEvent } from '../volume/volume-rollout.ts';
import type { Lane, Mechanism, MechanismEntry, MechanismStepFigures, RunContext, StepDeployment } from './mechanism.ts';
import { runRollouts } from './rollout-skeleton.ts';

/** Peak disk of the volume side: one copy of the largest tree per node and per proxy. */
export function plannedVolumeBytes(scenario: ResolvedScenario, images: GeneratedImageSet): number {
  const largest = Math.max(0, ...images.trees.map((t) => t.bytes + t.files * 4096));
  return largest * (scenario.fleet.nodes + scenario.volume.proxies);
}

export interface VolumeFleetOptions {
  readonly scenario: ResolvedScenario;
  readonly trees: readonly StagingTree[];
  /** Proxy copies, node trees and daemon state go under here, and nothing outside it is written. */
  readonly workDir: string;
  readonly runStartMs: number;
  readonly signal: AbortSignal | undefined;
  readonly onEvent: (event: VolumeRolloutEvent) => void;
}

/**
 * The volume side's fleet, shaped like the image side (same events, same samples with strategy `volume`):
 * a master rsync daemon serves its staging tree, one daemon per proxy serves the proxy's copy. Each step: the
 * master's prep updates the staging tree from the step's plain tree, the proxies sync from the master, then
 * the nodes sync from their proxy in rollout waves, each into its own directory, incrementally from the
 * previous step. A proxy whose daemon died is failed over from.
 * Every daemon started is pushed onto `daemons`, to be stopped by PID.
 */
async function startVolumeLane(options: VolumeFleetOptions, daemons: RsyncDaemon[]): Promise<Lane> {
  const { workDir } = options;
  const tier = await startProxyTier(options.scenario, workDir, daemons);
  const announce = () => options.onEvent({ type: 'daemons-started', master: daemonInfo(tier.master), proxies: tier.proxies.map((p) => daemonInfo(p.daemon)) });
  announce();
  return {
    label: VOLUME_STRATEGY,
    steps: options.trees.map((t) => t.step),
    maxConcurrent: options.scenario.volume.batch,
    reset: () => resetProxyTier(tier, workDir, announce),
    deployStep: (i, step) => {
      const tree = options.trees[i] as StagingTree;
      const prep = () => prepStagingTree(tree.dir, tier.stagingDir, options.signal);
      return volumeStep(options, tier, { module: STAGING_MODULE, prep }, step.step, step.repeat);
    },
  };
}

/** What a step's proxies sync from on the master, and the prep that readies it (none when the caller prepares it). */
export interface VolumeStepSource {
  readonly module: string;
  /** scap prep: returns its seconds. */
  readonly prep?: () => Promise<number>;
}

/** One step of the master's prep, the proxy tier and the nodes (the hybrid side runs it too, after its own prep). */
export function volumeStep(options: VolumeFleetOptions, tier: ProxyTier, source: VolumeStepSource, step: string, repeat: number): StepDeployment {
  const now = () => (performance.now() - options.runStartMs) / 1000;
  let stepStart = 0;
  let prepSeconds = 0;
  let received = 0;
  const counter: Array<{ tSeconds: number; value: number }> = [];
  let proxySteps = new Map<string, ProxyStep>();
  const upToDate = new Set<number>();
  let proxySyncSeconds = 0;
  const mixedWindows: Array<() => Promise<number>> = [];
  let failovers = 0;
  let held: { proxies: HeldProcesses; nodes: HeldProcesses } | undefined;
  const closeHeld = () => {
    held?.proxies.close();
    held?.nodes.close();
  };
  return {
    begin: async () => {
      // scap prep: the master's staging tree becomes this step's, before any proxy syncs it.
      prepSeconds = (await source.prep?.()) ?? 0;
      // Every rsync of the step forked now, before its clock starts: forks from this process would start them
      // tens of milliseconds apart (held-process.ts).
      const env = { ...process.env, ...RSYNC_ENV };
      held = { proxies: new HeldProcesses(tier.proxies.map((p) => p.name), env), nodes: new HeldProcesses(fleetNodeNames(options.scenario.fleet.nodes), env) };
      options.signal?.addEventListener('abort', closeHeld, { once: true });
      stepStart = now();
      counter.push({ tSeconds: stepStart, value: 0 });
      const synced = await syncProxyTier(options.scenario, tier, source.module, options.signal, held.proxies).catch((failure: unknown) => {
        closeHeld();
        throw failure;
      });
      held.proxies.close();
      proxySteps = synced.proxySteps;
      received += synced.received;
      for (const p of tier.proxies) if (proxySteps.get(p.name)?.failed === false) upToDate.add(p.index);
      proxySyncSeconds = now() - stepStart;
      counter.push({ tSeconds: now(), value: received });
    },
    deployNode: async ({ name, index }) => {
      const node = await syncNode({ ...options, proxies: tier.proxies, upToDate, step, repeat, held: held?.nodes }, name, index);
      failovers += node.failovers;
      if (node.measureMixedWindow !== undefined) mixedWindows.push(node.measureMixedWindow);
      if (node.stats !== undefined && node.servedBy !== undefined) {
        const p = proxySteps.get(node.servedBy.name) as ProxyStep;
        proxySteps.set(node.servedBy.name, { ...p, egressBytes: p.egressBytes + node.stats.bytesReceived, nodesServed: p.nodesServed + 1 });
        received += node.stats.bytesReceived;
      }
      counter.push({ tSeconds: now(), value: received });
      return node.sample;
    },
    end: async (samples) => {
      closeHeld();
      options.signal?.removeEventListener('abort', closeHeld);
      // After the nodes, one at a time: the walks of the nodes' trees cost no node's time, nor each other's.
      const mixed: number[] = [];
      for (const measure of mixedWindows) mixed.push(await measure());
      return volumeFigures(tier, samples, { stepStart, prepSeconds, counter, proxySteps, proxySyncSeconds, mixed, failovers });
    },
  };
}

function volumeFigures(
  tier: ProxyTier,
  samples: readonly NodeStepSample[],
  step: { stepStart: number; prepSeconds: number; counter: Array<{ tSeconds: number; value: number }>; proxySteps: Map<string, ProxyStep>; proxySyncSeconds: number; mixed: number[]; failovers: number },
): MechanismStepFigures {
  const ok = samples.filter((s) => s.error === undefined);
  const ends = samples.map((s) => s.startSeconds + s.totalSeconds);
  const skew = versionSkewOf(ok.map((s) => s.startSeconds + s.totalSeconds), false, step.mixed);
  const proxies = tier.proxies
    .flatMap((p) => step.proxySteps.get(p.name) ?? [])
    .map((p) => ({ ...p, failed: p.failed || !tier.proxies.some((x) => x.name === p.proxy && x.daemon.alive()) }));
  // From the proxy tier's start: the step is not out until the proxies have it and every node synced.
  const makespanSeconds = samples.length === 0 ? 0 : Math.max(...ends) - step.stepStart;
  return {
    makespanSeconds,
    deploy: { prep: step.prepSeconds, sync: makespanSeconds, total: step.prepSeconds + makespanSeconds },
    registryBytesServed: 0,
    retries: step.failovers,
    // rsync reports bytes when a sync ends, so the series steps at each proxy and node completion.
    throughput: ratesFromCounters('aggregate rsync receive', 'bytes/s', step.counter),
    ...(skew === undefined ? {} : { versionSkew: skew }),
    volume: {
      masterEgressBytes: proxies.reduce((n, p) => n + p.bytesFromMaster, 0),
      proxySyncSeconds: step.proxySyncSeconds,
      proxies,
      failovers: step.failovers,
    },
  };
}

/** Code in a volume: rsync from a master through proxies to every node. */
export const volumeMechanism: MechanismEntry = {
  preflight: async (scenario, images) => {
    if (images.trees.length !== scenario.deploy.length) {
      throw new ShipbenchError('internal', `the volume side needs every step's plain tree, and ${images.trees.length} of ${scenario.deploy.length} were generated`, { exitCode: 1 });
    }
    // Before anything slow: a missing rsync is a clear error now, not after the image side ran.
    return { rsync: await rsyncVersion() };
  },
  plannedBytes: plannedVolumeBytes,
  create: (run: RunContext): Mechanism => {
    const workDir = join(run.outDir, '.volume');
    const daemons: RsyncDaemon[] = [];
    run.recorder.results.volume = { proxies: run.scenario.volume.proxies, assign: run.scenario.volume.assign };
    return {
      name: 'volume',
      rolloutPhase: 'volume',
      prepare: async () => undefined,
      startFleet: async () => {
        run.recorder.enter('volume');
        await rm(workDir, { recursive: true, force: true });
        const options = { scenario: run.scenario, trees: run.images.trees, workDir, runStartMs: run.runStartMs, signal: run.signal, onEvent: run.onEvent };
        return [await startVolumeLane(options, daemons)];
      },
      teardown: async () => {
        await Promise.all(daemons.map((d) => d.stop()));
        await rm(workDir, { recursive: true, force: true });
      },
    };
  },
};

/** The volume side alone, outside `run` (tests): every daemon is stopped by PID when this returns or throws. */
export async function runVolumeRollouts(
  input: VolumeFleetOptions & {
    readonly diskDevice: string | undefined;
    readonly aroundStep?: AroundStep;
    readonly onStep: (result: StepResult, samples: NodeStepSample[]) => Promise<void>;
  },
): Promise<{ stoppedBecause: string | undefined }> {
  const daemons: RsyncDaemon[] = [];
  try {
    const lane = await startVolumeLane(input, daemons);
    return await runRollouts([lane], { ...input, nodeNames: fleetNodeNames(input.scenario.fleet.nodes) });
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}
