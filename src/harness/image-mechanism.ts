import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TeardownRegistry } from '../core/teardown-registry.ts';
import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import { ratesFromCounters } from '../metrics/time-series.ts';
import { versionSkewOf } from '../metrics/volume-sample.ts';
import type { FleetNetwork } from '../nodes/isolation/fleet-network.ts';
import type { BackendNodes, NodeBackend } from '../nodes/node-backend.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import { registryTimeoutsOf } from '../registry/registry-timeouts.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../registry/embedded-registry.ts';
import { pushLayoutImage } from '../registry/push-layout.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { RegistryStrainMeter } from './registry-strain-meter.ts';
import { createRunNetwork, NETNS_REGISTRY_PORT, startRunBackends, usesEngines } from './engine-fleet-run.ts';
import { buildPhase, imageDeployParts, imageStepDeploys, type StepPush } from './image-step-pipeline.ts';
import type { ImageStepDeploy } from '../metrics/image-step-deploy.ts';
import type { FleetNode, Lane, Mechanism, MechanismEntry, MechanismStepFigures, RunContext, StepDeployment } from './mechanism.ts';

/** A strategy's images as pushed: the repository and the tag of each deploy step, in deploy order. */
export interface PushedStrategy {
  readonly name: string;
  readonly repository: string;
  readonly tags: readonly string[];
}

export interface ConnectedRegistry {
  readonly url: string;
  readonly auth: RegistryCredentials | undefined;
  readonly version: string | undefined;
  readonly embedded: EmbeddedRegistry | undefined;
}

const SAMPLE_INTERVAL_MS = 250;

/** Peak disk the nodes need: each keeps the current and previous image (blobs, plus unpacked layers). */
export function plannedNodeBytes(scenario: ResolvedScenario, images: GeneratedImageSet): number {
  let worst = 0;
  for (const strategy of images.strategies) {
    strategy.images.forEach((image, i) => {
      const held = new Map([...(strategy.images[i - 1]?.layers ?? []), ...image.layers].map((l) => [l.digest, l]));
      const bytes = [...held.values()].reduce((n, l) => n + l.bytes + (scenario.fleet.node.unpack ? l.uncompressedBytes : 0), 0);
      worst = Math.max(worst, bytes);
    });
  }
  return worst * scenario.fleet.nodes;
}

export async function connectRegistry(scenario: ResolvedScenario, network?: FleetNetwork): Promise<ConnectedRegistry> {
  if (scenario.registry.kind === 'embedded') {
    // Emulated hosts reach the registry on its own namespace's address, through its shaped link.
    const netns = network === undefined ? undefined : { path: network.registry.netnsPath, address: network.registry.address, port: NETNS_REGISTRY_PORT };
    const embedded = await startEmbeddedRegistry(netns === undefined ? {} : { netns });
    return { url: embedded.url, auth: undefined, version: embedded.version, embedded };
  }
  const client = new DistributionClient({ baseUrl: scenario.registry.url, auth: scenario.registry.auth, rejectUnauthorized: !scenario.registry.insecure, timeouts: registryTimeoutsOf(scenario.registry) });
  try {
    await client.ping(); // unreachable or refusing auth: a clear error before any node starts
  } finally {
    await client.close();
  }
  return { url: scenario.registry.url, auth: scenario.registry.auth, version: undefined, embedded: undefined };
}

/** The registry's strain over one step: its process and access log when embedded, the nodes' clients' view always. */
function registryStrainMeter(run: RunContext, registry: ConnectedRegistry, nodes: readonly NodeBackend[]): RegistryStrainMeter {
  const embedded = registry.embedded;
  const clients = () => nodes.flatMap((n) => (n.registrySeen === undefined ? [] : [n.registrySeen]));
  return new RegistryStrainMeter(
    embedded === undefined
      ? { clients, runStartMs: run.runStartMs, intervalMs: SAMPLE_INTERVAL_MS }
      : { pid: embedded.pid, served: embedded.served, settle: () => embedded.settle(), clients, runStartMs: run.runStartMs, intervalMs: SAMPLE_INTERVAL_MS },
  );
}

/**
 * Every strategy's images into the registry, one repository per strategy, step after step, each step's
 * push timed on its own (it sends only the blobs earlier steps did not); the `push` phase's details.
 */
async function pushStrategies(run: RunContext, reg: ConnectedRegistry): Promise<{ details: Record<string, number>; value: { pushed: PushedStrategy[]; steps: StepPush[] } }> {
  const { scenario, images } = run;
  const pushed: PushedStrategy[] = [];
  const steps: StepPush[] = [];
  const client = new DistributionClient({ baseUrl: reg.url, auth: reg.auth, timeouts: registryTimeoutsOf(scenario.registry) });
  let blobsPushed = 0;
  let blobsSkipped = 0;
  let bytesUp = 0;
  try {
    const total = images.strategies.reduce((n, s) => n + s.images.length, 0);
    let done = 0;
    for (const strategy of images.strategies) {
      // Repository names are lower-case by the distribution spec; strategy names may say "8MiB".
      const repository = `${scenario.image.repository}/${strategy.name.toLowerCase()}`;
      for (const image of strategy.images) {
        const t0 = performance.now();
        const r = await pushLayoutImage(client, strategy.layoutDir, image.step, repository, image.step, { signal: run.signal });
        steps.push({ strategy: strategy.name, step: image.step, seconds: (performance.now() - t0) / 1000, blobsPushed: r.blobsPushed, blobsSkipped: r.blobsSkipped, bytesUp: r.bytesUp, layersPushed: r.layersPushed, layerBytesUp: r.layerBytesUp });
        blobsPushed += r.blobsPushed;
        blobsSkipped += r.blobsSkipped;
        bytesUp += r.bytesUp;
        run.onEvent({ type: 'push', strategy: strategy.name, done: ++done, total, bytesUp });
      }
      pushed.push({ name: strategy.name, repository, tags: strategy.images.map((i) => i.step) });
    }
  } finally {
    await client.close();
  }
  return { details: { blobsPushed, blobsSkipped, bytesUp, retries: client.stats.retries }, value: { pushed, steps } };
}

/** Each emulated host's disk: sparse, so only what the engine writes takes space; room for both images and the engine's metadata. */
function nodeDiskBytes(plannedBytes: number, nodes: number): number {
  const perNode = plannedBytes / Math.max(1, nodes);
  return Math.max(1024 ** 3, Math.ceil((3 * perNode + 512 * 1024 ** 2) / 4096) * 4096);
}

/** One step of one strategy on one backend's nodes: aggregate download throughput and registry counters. */
function imageStep(run: RunContext, registry: ConnectedRegistry, set: BackendNodes, strategy: PushedStrategy, tag: string, step: string, repeat: number, pipeline: ImageStepDeploy | undefined): StepDeployment {
  const { nodes, backend } = set;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  let received = 0;
  const counter: Array<{ tSeconds: number; value: number }> = [];
  const mark = () => counter.push({ tSeconds: (performance.now() - run.runStartMs) / 1000, value: received });
  const bytesBefore = nodes.reduce((n, node) => n + node.bytesDown, 0);
  const retriesBefore = nodes.reduce((n, node) => n + node.retries, 0);
  let ticker: NodeJS.Timeout | undefined;
  const strain = registryStrainMeter(run, registry, nodes);
  return {
    begin: async () => {
      mark();
      ticker = setInterval(mark, SAMPLE_INTERVAL_MS);
      strain.start();
    },
    deployNode: (node: FleetNode) =>
      (byName.get(node.name) as NodeBackend).deploy({
        repository: strategy.repository,
        tag,
        step,
        strategy: strategy.name,
        repeat,
        runStartMs: run.runStartMs,
        onBytes: (n) => (received += n),
        signal: run.signal,
      }),
    end: async (samples: readonly NodeStepSample[]): Promise<MechanismStepFigures> => {
      clearInterval(ticker);
      mark();
      const registryStrain = await strain.stop();
      const ends = samples.map((s) => s.startSeconds + s.totalSeconds);
      const starts = samples.map((s) => s.startSeconds);
      // A node switches to the new image at once, when its pull and unpack are done.
      const skew = versionSkewOf(samples.filter((s) => s.error === undefined).map((s) => s.startSeconds + s.totalSeconds), true);
      const makespanSeconds = samples.length === 0 ? 0 : Math.max(...ends) - Math.min(...starts);
      return {
        ...(backend === 'virtual' ? {} : { backend }),
        makespanSeconds,
        deploy: imageDeployParts(pipeline, makespanSeconds),
        registryBytesServed: nodes.reduce((n, node) => n + node.bytesDown, 0) - bytesBefore,
        retries: nodes.reduce((n, node) => n + node.retries, 0) - retriesBefore,
        throughput: ratesFromCounters('aggregate download', 'bytes/s', counter),
        ...(skew === undefined ? {} : { versionSkew: skew }),
        registry: registryStrain,
      };
    },
  };
}

/**
 * Every strategy on every backend: with more than one backend, samples and step results name the strategy
 * `<strategy>@<backend>` so the backends stay apart wherever results are grouped.
 */
function imageLanes(run: RunContext, registry: ConnectedRegistry, strategies: readonly PushedStrategy[], sets: readonly BackendNodes[], pipelines: readonly ImageStepDeploy[]): Lane[] {
  return strategies.flatMap((strategy) =>
    sets.map((set): Lane => {
      const label = sets.length > 1 ? `${strategy.name}@${set.backend}` : strategy.name;
      return {
        label,
        steps: strategy.tags.map((tag, i) => run.scenario.deploy[i]?.name ?? tag),
        // Every repeat of every strategy starts cold.
        reset: async () => void (await Promise.all(set.nodes.map((n) => n.reset()))),
        deployStep: (i, step) => {
          const pipeline = pipelines.find((p) => p.strategy === strategy.name && p.step === strategy.tags[i]);
          return imageStep(run, registry, set, { ...strategy, name: label }, strategy.tags[i] as string, step.step, step.repeat, pipeline);
        },
      };
    }),
  );
}

/** Code in the image: a registry, every strategy pushed, nodes (virtual or real engines) pulling each step. */
export const imageMechanism: MechanismEntry = {
  preflight: async () => ({}),
  plannedBytes: plannedNodeBytes,
  create: (run: RunContext): Mechanism => {
    const { scenario, recorder } = run;
    const nodesDir = join(run.outDir, '.nodes');
    // Namespaces, disks, cgroups and daemons of real engines: undone in reverse on success, failure and Ctrl-C.
    const teardown = new TeardownRegistry();
    let network: FleetNetwork | undefined;
    let registry: ConnectedRegistry | undefined;
    let pushed: PushedStrategy[] = [];
    return {
      name: 'image',
      rolloutPhase: 'rollout',
      prepare: async () => {
        recorder.enter('registry');
        network = await createRunNetwork(scenario, run.nodeNames, teardown);
        const reg = await recorder.phase('registry', async () => {
          registry = await connectRegistry(scenario, network);
          const embedded = registry.embedded;
          if (embedded !== undefined) teardown.add('embedded registry', () => embedded.stop());
          recorder.results.registry = { kind: scenario.registry.kind, url: registry.url, ...(registry.version === undefined ? {} : { version: registry.version }) };
          if (registry.version !== undefined) recorder.results.environment.tools['docker-registry'] = registry.version;
          return { details: { url: registry.url }, value: registry };
        });
        const builds = await recorder.phase('build', () => buildPhase(run));
        const push = await recorder.phase('push', () => pushStrategies(run, reg));
        pushed = push.pushed;
        recorder.results.imageSteps = imageStepDeploys(builds, push.steps);
      },
      startFleet: async () => {
        const reg = registry as ConnectedRegistry;
        recorder.enter('rollout');
        await rm(nodesDir, { recursive: true, force: true });
        recorder.enter('engines');
        const start = () => {
          const diskBytesPerNode = nodeDiskBytes(plannedNodeBytes(scenario, run.images), scenario.fleet.nodes);
          return startRunBackends(scenario, { nodeNames: run.nodeNames, registryUrl: reg.url, auth: reg.auth, network, workDir: nodesDir, diskBytesPerNode, teardown });
        };
        const sets = !usesEngines(scenario)
          ? await start().then((s) => s.backends)
          : await recorder.phase('engines', async () => {
              const started = await start();
              if (started.record !== undefined) recorder.results.engines = started.record;
              return { details: { backends: scenario.fleet.backends.join(','), isolation: scenario.fleet.isolation, nodes: started.record?.nodes.length ?? 0 }, value: started.backends };
            });
        return imageLanes(run, reg, pushed, sets, recorder.results.imageSteps ?? []);
      },
      // The image side is done: its engines, nodes' disks and the registry go (before the volume side starts).
      teardown: async () => {
        const failures = await teardown.teardown();
        if (recorder.results.engines !== undefined && failures.length > 0) {
          recorder.results.engines.teardownFailures = failures;
          await recorder.persist().catch(() => undefined);
        }
        for (const f of failures) run.onEvent({ type: 'phase', name: 'teardown', detail: `LEFT BEHIND ${f.what}: ${f.message}` });
        // Mounts go before the directory they are mounted in.
        await rm(nodesDir, { recursive: true, force: true });
        await registry?.embedded?.stop();
      },
    };
  },
};
