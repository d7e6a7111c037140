import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ShipbenchError } from '../core/errors.ts';
import type { GeneratedImageSet, GeneratedStrategy } from '../image/image-set-writer.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { AroundStep } from '../metrics/step-hook.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { timeSeries } from '../metrics/time-series.ts';
import { ImageStaging, type StagingPrepFigures } from '../nodes/image-staging.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import { pushLayoutImage } from '../registry/push-layout.ts';
import { registryTimeoutsOf } from '../registry/registry-timeouts.ts';
import { fleetNodeNames } from '../scenario/fleet-node-names.ts';
import { HYBRID_STRATEGY_NAME, hybridStrategyOf, hybridSteps } from '../scenario/hybrid-scenario.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { daemonInfo, type ProxyTier, resetProxyTier, STAGING_MODULE, startProxyTier } from '../volume/proxy-tier.ts';
import { rsyncVersion } from '../volume/rsync-binary.ts';
import type { RsyncDaemon } from '../volume/rsync-daemon.ts';
import { type ConnectedRegistry, connectRegistry, type PushedStrategy } from './image-mechanism.ts';
import type { FleetNode, Lane, Mechanism, MechanismEntry, MechanismStepFigures, RunContext, StepDeployment } from './mechanism.ts';
import { runRollouts } from './rollout-skeleton.ts';
import { type VolumeFleetOptions, volumeStep } from './volume-mechanism.ts';

/**
 * The hybrid mechanism, Wikimedia's transitional proposal: keep distributing with scap, but have `scap prep`
 * pull the step's image and unpack it into the staging tree, so the code comes from one immutable artifact.
 * Each step: the deployment master pulls the image from the registry (only the layers it does not hold) and
 * unpacks it into its staging tree (nodes/image-staging.ts), then the volume side's own step code (proxy
 * tier, node rsync clients: volume-mechanism.ts) ships that tree. Results carry strategy `hybrid`, with
 * `deploy: { prep, sync, total }` per step and the master's pulled bytes as the registry's.
 */

interface HybridFleetOptions extends Omit<VolumeFleetOptions, 'trees'> {
  readonly registry: ConnectedRegistry;
  /** The pushed images the master pulls, one tag per deploy step. */
  readonly pushed: PushedStrategy;
}

/** The top-level directories of the image's runtime base (`usr`): in the image, never in scap's staging tree. */
function baseDirs(scenario: ResolvedScenario): string[] {
  return [...new Set(scenario.content.components.filter((c) => c.base).map((c) => c.dir.split('/')[0] as string))];
}

/** The master (its staging tree behind the master rsync daemon), the proxy tier, and the lane that walks them. */
async function startHybridLane(options: HybridFleetOptions, daemons: RsyncDaemon[], clients: DistributionClient[]): Promise<Lane> {
  const { scenario, workDir, pushed } = options;
  const client = new DistributionClient({ baseUrl: options.registry.url, auth: options.registry.auth, timeouts: registryTimeoutsOf(scenario.registry) });
  clients.push(client);
  const staging = new ImageStaging(client, join(workDir, 'master'), baseDirs(scenario));
  await staging.reset();
  // The pushed tags are those of the steps the hybrid side walks (hybrid.through), in deploy order.
  const steps = hybridSteps(scenario.hybrid, scenario.deploy).map((s) => s.name);
  // The master serves the one staging tree, which each step's prep replaces.
  const trees = steps.map((step) => ({ step, dir: staging.stagingDir }));
  const tier = await startProxyTier(scenario, workDir, daemons, staging.stagingDir);
  const announce = () => options.onEvent({ type: 'daemons-started', master: daemonInfo(tier.master), proxies: tier.proxies.map((p) => daemonInfo(p.daemon)) });
  announce();
  const volumeOptions: VolumeFleetOptions = { ...options, trees };
  return {
    label: HYBRID_STRATEGY_NAME,
    steps,
    maxConcurrent: scenario.volume.batch,
    reset: async () => {
      await staging.reset();
      await resetProxyTier(tier, workDir, announce);
    },
    deployStep: (i, step) => hybridStep(volumeOptions, staging, tier, pushed.repository, pushed.tags[i] as string, step.step, step.repeat),
  };
}

function hybridStep(options: VolumeFleetOptions, staging: ImageStaging, tier: ProxyTier, repository: string, tag: string, step: string, repeat: number): StepDeployment {
  const now = () => (performance.now() - options.runStartMs) / 1000;
  const sync = volumeStep(options, tier, { module: STAGING_MODULE }, step, repeat);
  const prep: StagingPrepFigures = { bytesPulled: 0, layersPulled: 0, layersHeld: 0, pullSeconds: 0, unpackSeconds: 0, files: 0 };
  let prepStart = 0;
  let prepSeconds = 0;
  let prepError: string | undefined;
  return {
    begin: async () => {
      prepStart = now();
      try {
        await staging.prepare(repository, tag, prep, options.signal);
      } catch (error) {
        prepError = options.signal?.aborted === true ? 'interrupted' : error instanceof Error ? error.message : String(error);
      }
      prepSeconds = now() - prepStart;
      if (prepError === undefined) await sync.begin();
    },
    deployNode: async (node: FleetNode): Promise<NodeStepSample> => {
      // A master that could not prepare the tree has nothing to ship: every node fails with its reason.
      if (prepError !== undefined) return failedNode(node, step, repeat, prepStart, `the deployment master's pull of ${repository}:${tag} failed: ${prepError}`);
      return { ...(await sync.deployNode(node)), strategy: HYBRID_STRATEGY_NAME };
    },
    end: async (samples): Promise<MechanismStepFigures> => {
      if (prepError !== undefined) {
        await sync.end([]);
        return { makespanSeconds: prepSeconds, registryBytesServed: prep.bytesPulled, retries: 0, throughput: timeSeries('aggregate rsync receive', 'bytes/s'), deploy: { prep: prepSeconds, sync: 0, total: prepSeconds } };
      }
      const figures = await sync.end(samples);
      // The step is out when the master has prepared the tree and every node synced it.
      const syncSeconds = figures.makespanSeconds;
      return { ...figures, makespanSeconds: prepSeconds + syncSeconds, registryBytesServed: prep.bytesPulled, deploy: { prep: prepSeconds, sync: syncSeconds, total: prepSeconds + syncSeconds } };
    },
  };
}

function failedNode(node: FleetNode, step: string, repeat: number, startSeconds: number, error: string): NodeStepSample {
  return {
    node: node.name,
    step,
    strategy: HYBRID_STRATEGY_NAME,
    repeat,
    startSeconds,
    manifestSeconds: 0,
    totalSeconds: 0,
    layers: [],
    bytesDownloaded: 0,
    bytesWrittenToDisk: 0,
    filesWritten: 0,
    error,
  };
}

/** The one strategy the master pulls, from the generated set. */
function hybridStrategy(scenario: ResolvedScenario, images: GeneratedImageSet): GeneratedStrategy {
  const name = hybridStrategyOf(scenario);
  const found = images.strategies.find((s) => s.name === name);
  if (found === undefined) throw new ShipbenchError('internal', `the hybrid side pulls strategy "${name}", which was not generated`, { exitCode: 1 });
  return found;
}

/** The strategy's images into the registry under their own repository (`<repository>/hybrid-<strategy>`). */
async function pushHybrid(run: RunContext, registry: ConnectedRegistry): Promise<{ details: Record<string, number | string>; value: PushedStrategy }> {
  const strategy = hybridStrategy(run.scenario, run.images);
  const repository = `${run.scenario.image.repository}/hybrid-${strategy.name.toLowerCase()}`;
  // Only the steps the hybrid side walks; generated images are tagged with their step's name.
  const images = hybridSteps(run.scenario.hybrid, strategy.images.map((i) => ({ ...i, name: i.step })));
  const client = new DistributionClient({ baseUrl: registry.url, auth: registry.auth, timeouts: registryTimeoutsOf(run.scenario.registry) });
  let bytesUp = 0;
  try {
    for (const [done, image] of images.entries()) {
      bytesUp += (await pushLayoutImage(client, strategy.layoutDir, image.step, repository, image.step, { signal: run.signal })).bytesUp;
      run.onEvent({ type: 'push', strategy: `${HYBRID_STRATEGY_NAME} (${strategy.name})`, done: done + 1, total: images.length, bytesUp });
    }
  } finally {
    await client.close();
  }
  return { details: { strategy: strategy.name, bytesUp }, value: { name: strategy.name, repository, tags: images.map((i) => i.step) } };
}

/**
 * Peak disk: a tree per node and per proxy, two on the master while the new one replaces the old, and the
 * master's blobs. The image's tar bytes stand in for a tree (plain trees are not generated for hybrid alone).
 */
function plannedHybridBytes(scenario: ResolvedScenario, images: GeneratedImageSet): number {
  const strategy = images.strategies.find((s) => s.name === hybridStrategyOf(scenario));
  const blobs = Math.max(0, ...(strategy?.images ?? []).map((i) => i.layers.reduce((n, l) => n + l.bytes, 0)));
  const tree = Math.max(0, ...(strategy?.images ?? []).map((i) => i.layers.reduce((n, l) => n + l.uncompressedBytes, 0)));
  return tree * (scenario.fleet.nodes + scenario.volume.proxies + 2) + blobs;
}

/** Code in a volume, staged from the image: the master pulls and unpacks, rsync ships. */
export const hybridMechanism: MechanismEntry = {
  preflight: async (scenario, images) => {
    hybridStrategy(scenario, images);
    return { rsync: await rsyncVersion() };
  },
  plannedBytes: plannedHybridBytes,
  create: (run: RunContext): Mechanism => {
    const workDir = join(run.outDir, '.hybrid');
    const daemons: RsyncDaemon[] = [];
    const clients: DistributionClient[] = [];
    let registry: ConnectedRegistry | undefined;
    let pushed: PushedStrategy | undefined;
    const { recorder, scenario } = run;
    return {
      name: HYBRID_STRATEGY_NAME,
      rolloutPhase: HYBRID_STRATEGY_NAME,
      prepare: async () => {
        const reg = await recorder.phase('hybrid-registry', async () => {
          registry = await connectRegistry(scenario);
          // The run's registry, unless the image side recorded its own (an embedded one's URL starts empty).
          if (registry.embedded !== undefined && recorder.results.registry.url === '') recorder.results.registry = { kind: 'embedded', url: registry.url, ...(registry.version === undefined ? {} : { version: registry.version }) };
          if (registry.version !== undefined) recorder.results.environment.tools['docker-registry'] = registry.version;
          return { details: { url: registry.url }, value: registry };
        });
        pushed = await recorder.phase('hybrid-push', () => pushHybrid(run, reg));
        recorder.results.volume ??= { proxies: scenario.volume.proxies, assign: scenario.volume.assign };
      },
      startFleet: async () => {
        recorder.enter(HYBRID_STRATEGY_NAME);
        await rm(workDir, { recursive: true, force: true });
        const options = { scenario, workDir, runStartMs: run.runStartMs, signal: run.signal, onEvent: run.onEvent, registry: registry as ConnectedRegistry, pushed: pushed as PushedStrategy };
        return [await startHybridLane(options, daemons, clients)];
      },
      teardown: async () => {
        await Promise.all(daemons.map((d) => d.stop()));
        await Promise.all(clients.map((c) => c.close()));
        await registry?.embedded?.stop();
        await rm(workDir, { recursive: true, force: true });
      },
    };
  },
};

/** The hybrid side alone, outside `run` (tests): daemons and clients end when this returns or throws. */
export async function runHybridRollouts(
  input: HybridFleetOptions & {
    readonly diskDevice: string | undefined;
    readonly aroundStep?: AroundStep;
    readonly onStep: (result: StepResult, samples: NodeStepSample[]) => Promise<void>;
  },
): Promise<{ stoppedBecause: string | undefined }> {
  const daemons: RsyncDaemon[] = [];
  const clients: DistributionClient[] = [];
  try {
    const lane = await startHybridLane(input, daemons, clients);
    return await runRollouts([lane], { ...input, nodeNames: fleetNodeNames(input.scenario.fleet.nodes) });
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    await Promise.all(clients.map((c) => c.close()));
  }
}
