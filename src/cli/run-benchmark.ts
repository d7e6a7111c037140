import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ShipbenchError } from '../core/errors.ts';
import { TeardownRegistry } from '../core/teardown-registry.ts';
import { freeBytes } from '../core/output-dir.ts';
import { formatBytes } from '../core/units.ts';
import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import { harnessWarnings } from '../metrics/harness-warnings.ts';
import type { NodeStepSample, RunWarning } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { type PushedStrategy, runImageRollouts } from '../nodes/image-rollout.ts';
import { assertEnginePrerequisites } from '../nodes/isolation/engine-preflight.ts';
import type { FleetNetwork } from '../nodes/isolation/fleet-network.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../registry/embedded-registry.ts';
import { pushLayoutImage } from '../registry/push-layout.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import { registryTimeoutsOf } from '../registry/registry-timeouts.ts';
import type { Phase, RunResults } from '../report/results.ts';
import { ResultsWriter } from '../report/results-writer.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { createRunNetwork, NETNS_REGISTRY_PORT, startRunBackends, usesEngines } from './engine-fleet-run.ts';
import { rsyncVersion } from '../volume/rsync-binary.ts';
import { runVolumeRollouts } from '../volume/volume-rollout.ts';
import { measurementWarnings } from '../stats/measurement-warnings.ts';
import { measuredSamples } from '../report/run-analysis.ts';
import { newRunResults } from './new-run-results.ts';
import { describeEnvironment } from './run-environment.ts';
import type { NeighbourSession } from '../neighbours/neighbour-session.ts';
import { startRunNeighbours } from './run-neighbours.ts';
import type { RunProgressEvent } from './run-progress.ts';

/** Which shipping mechanisms a run measures: both by default, so every result is a comparison. */
export type RunMechanisms = 'both' | 'image' | 'volume';

export interface RunOptions {
  readonly scenario: ResolvedScenario;
  /** The images of every strategy; with the volume side, also each step's plain tree (`generate --tree`). */
  readonly images: GeneratedImageSet;
  readonly outDir: string;
  readonly mechanisms?: RunMechanisms;
  readonly onEvent: (event: RunProgressEvent) => void;
  readonly signal: AbortSignal;
}

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

/** Peak disk of the volume side: one copy of the largest tree per node and per proxy. */
export function plannedVolumeBytes(scenario: ResolvedScenario, images: GeneratedImageSet): number {
  const largest = Math.max(0, ...images.trees.map((t) => t.bytes + t.files * 4096));
  return largest * (scenario.fleet.nodes + scenario.volume.proxies);
}

async function connectRegistry(scenario: ResolvedScenario, network?: FleetNetwork): Promise<{ url: string; auth: RegistryCredentials | undefined; version: string | undefined; embedded: EmbeddedRegistry | undefined }> {
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

/**
 * `run`: start (or reach) the registry, push every strategy's images, roll each deploy step out to the
 * nodes, and keep results.json current after every phase and step. Node disks and the embedded registry
 * are removed at the end, on failure and on Ctrl-C alike.
 */
export async function runBenchmark(options: RunOptions): Promise<RunResults> {
  const { scenario, images, outDir } = options;
  const mechanisms = options.mechanisms ?? 'both';
  const measureImage = mechanisms !== 'volume';
  const measureVolume = mechanisms !== 'image';
  const runStartMs = performance.now();
  const nodesDir = join(outDir, '.nodes');
  const volumeDir = join(outDir, '.volume');
  if (measureVolume && images.trees.length !== scenario.deploy.length) {
    throw new ShipbenchError('internal', `the volume side needs every step's plain tree, and ${images.trees.length} of ${scenario.deploy.length} were generated`, { exitCode: 1 });
  }
  // Before anything slow: a missing rsync is a clear error now, not after the image side ran.
  const rsync = measureVolume ? await rsyncVersion() : undefined;
  const needed = (measureImage ? plannedNodeBytes(scenario, images) : 0) + (measureVolume ? plannedVolumeBytes(scenario, images) : 0);
  await mkdir(outDir, { recursive: true });
  const free = await freeBytes(outDir);
  if (needed > free) {
    throw new ShipbenchError('disk-too-small', `${scenario.fleet.nodes} nodes need about ${formatBytes(needed)} for their images in ${outDir}, but only ${formatBytes(free)} is free there`, {
      hint: `simulate it instead (\`shipbench simulate ${scenario.sourceFile}\` models fleets beyond one machine); or lower fleet.nodes or content.scale, set fleet.node.unpack: false, or choose another --out`,
    });
  }

  const writer = new ResultsWriter(join(outDir, 'results.json'));
  // The blobs' digests depend on the compressor (engine, level, library release): name it beside the tools.
  const { environment, diskDevice } = await describeEnvironment(outDir, { gzip: images.compressor, ...(rsync === undefined ? {} : { rsync }) });
  const results: RunResults = {
    ...newRunResults('measured', scenario, environment),
    ...(measureVolume ? { volume: { proxies: scenario.volume.proxies, assign: scenario.volume.assign } } : {}),
  };

  // A phase is timed, recorded and persisted as soon as it completes.
  const phase = async <T>(name: string, work: () => Promise<{ details: Phase['details']; value: T }>): Promise<T> => {
    const t0 = performance.now();
    options.onEvent({ type: 'phase', name, detail: 'started' });
    const { details, value } = await work();
    results.phases.push({ name, startedSeconds: (t0 - runStartMs) / 1000, seconds: (performance.now() - t0) / 1000, details });
    await writer.write(results);
    return value;
  };

  let registry: Awaited<ReturnType<typeof connectRegistry>> | undefined;
  let currentPhase = measureImage ? 'registry' : 'volume';
  const onStep = async (result: StepResult, samples: NodeStepSample[]) => {
    results.steps.push(result);
    results.samples.push(...samples);
    for (const w of harnessWarnings({ cpu: result.cpu, disk: result.disk })) addWarning(results.warnings, w);
    await writer.write(results);
  };
  const stopped: string[] = [];
  let neighbours: NeighbourSession | undefined;
  // Neighbours start once, before the first side's rollout, and wrap every step of both sides.
  const startNeighbours = async () => {
    if (scenario.neighbours === undefined || neighbours !== undefined) return;
    const settings = scenario.neighbours;
    currentPhase = 'neighbours';
    neighbours = await phase('neighbours', async () => {
      // Beside the nodes' disks, so the neighbours' I/O shares their device.
      const session = await startRunNeighbours({ neighbours: settings, workDir: join(outDir, '.neighbours'), results, runStartMs, persist: () => writer.write(results), onEvent: options.onEvent });
      return { details: { workloads: settings.workloads.map((w) => w.name).join(', ') }, value: session };
    });
  };
  // Namespaces, disks, cgroups and daemons of real engines: undone in reverse on success, failure and Ctrl-C.
  const teardown = new TeardownRegistry();
  let tornDown = false;
  // Once, after the image side or in `finally`, whichever comes first; what could not be undone is recorded.
  const finishTeardown = async () => {
    if (tornDown) return;
    tornDown = true;
    const failures = await teardown.teardown();
    if (results.engines !== undefined && failures.length > 0) {
      results.engines.teardownFailures = failures;
      await writer.write(results).catch(() => undefined);
    }
    for (const f of failures) options.onEvent({ type: 'phase', name: 'teardown', detail: `LEFT BEHIND ${f.what}: ${f.message}` });
  };
  if (usesEngines(scenario)) assertEnginePrerequisites(scenario.fleet);
  try {
    if (measureImage) {
      const network = await createRunNetwork(scenario, teardown);
      const reg = await phase('registry', async () => {
        registry = await connectRegistry(scenario, network);
        const embedded = registry.embedded;
        if (embedded !== undefined) teardown.add('embedded registry', () => embedded.stop());
        results.registry = { kind: scenario.registry.kind, url: registry.url, ...(registry.version === undefined ? {} : { version: registry.version }) };
        if (registry.version !== undefined) environment.tools['docker-registry'] = registry.version;
        return { details: { url: registry.url }, value: registry };
      });

      currentPhase = 'push';
      const pushed = await phase('push', async () => {
        const pushed: PushedStrategy[] = [];
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
              const r = await pushLayoutImage(client, strategy.layoutDir, image.step, repository);
              blobsPushed += r.blobsPushed;
              blobsSkipped += r.blobsSkipped;
              bytesUp += r.bytesUp;
              options.onEvent({ type: 'push', strategy: strategy.name, done: ++done, total, bytesUp });
            }
            pushed.push({ name: strategy.name, repository, tags: strategy.images.map((i) => i.step) });
          }
        } finally {
          await client.close();
        }
        return { details: { blobsPushed, blobsSkipped, bytesUp, retries: client.stats.retries }, value: pushed };
      });

      await startNeighbours();
      currentPhase = 'rollout';
      await rm(nodesDir, { recursive: true, force: true });
      currentPhase = 'engines';
      const engines = !usesEngines(scenario)
        ? undefined
        : await phase('engines', async () => {
            const diskBytesPerNode = nodeDiskBytes(plannedNodeBytes(scenario, images), scenario.fleet.nodes);
            const started = await startRunBackends(scenario, { registryUrl: reg.url, auth: reg.auth, network, workDir: nodesDir, diskBytesPerNode, teardown });
            if (started.record !== undefined) results.engines = started.record;
            return { details: { backends: scenario.fleet.backends.join(','), isolation: scenario.fleet.isolation, nodes: started.record?.nodes.length ?? 0 }, value: started.backends };
          });

      currentPhase = 'rollout';
      const { stoppedBecause } = await runImageRollouts({
        ...(engines === undefined ? {} : { backends: engines }),
        scenario,
        strategies: pushed,
        registryUrl: reg.url,
        auth: reg.auth,
        workDir: nodesDir,
        diskDevice,
        runStartMs,
        onEvent: options.onEvent,
        signal: options.signal,
        ...(neighbours === undefined ? {} : { aroundStep: neighbours.aroundStep }),
        onStep,
      });
      if (stoppedBecause !== undefined) stopped.push(stoppedBecause);
      // The image side is done: its engines, nodes' disks and the registry go before the volume side starts.
      await finishTeardown();
      await rm(nodesDir, { recursive: true, force: true });
      await registry?.embedded?.stop();
    }

    if (measureVolume && !options.signal.aborted) {
      await startNeighbours();
      currentPhase = 'volume';
      await rm(volumeDir, { recursive: true, force: true });
      const { stoppedBecause } = await runVolumeRollouts({
        scenario,
        trees: images.trees,
        workDir: volumeDir,
        diskDevice,
        runStartMs,
        onEvent: options.onEvent,
        signal: options.signal,
        ...(neighbours === undefined ? {} : { aroundStep: neighbours.aroundStep }),
        onStep,
      });
      if (stoppedBecause !== undefined) stopped.push(stoppedBecause);
    }
    if (diskDevice === undefined) {
      results.environment.disk.note ??= 'no block device under the output directory: disk I/O was not measured';
    }
    // Measurement warnings (too few samples, disagreeing repeats, a cold first repeat) are data too.
    for (const w of measurementWarnings(measuredSamples(results))) results.warnings.push(w);
    results.status = options.signal.aborted ? 'interrupted' : results.steps.some((s) => s.failedNodes > 0) ? 'failed' : 'completed';
    if (results.status === 'failed') {
      const failed = results.samples.filter((s) => s.error !== undefined).length;
      results.failure = { phase: currentPhase, message: stopped.length === 0 ? `${failed} node deploys failed` : `stopped: ${stopped.join('; ')}` };
    }
    await writer.write(results);
    return results;
  } catch (error) {
    // Measurement warnings (too few samples, disagreeing repeats, a cold first repeat) are data too.
    for (const w of measurementWarnings(measuredSamples(results))) results.warnings.push(w);
    results.status = options.signal.aborted ? 'interrupted' : 'failed';
    results.failure = { phase: currentPhase, message: error instanceof Error ? error.message : String(error) };
    await writer.write(results);
    throw error;
  } finally {
    await neighbours?.stop();
    // Mounts go before the directory they are mounted in.
    await finishTeardown();
    await rm(nodesDir, { recursive: true, force: true });
    await rm(volumeDir, { recursive: true, force: true });
    await registry?.embedded?.stop();
  }
}

/** Each emulated host's disk: sparse, so only what the engine writes takes space; room for both images and the engine's metadata. */
function nodeDiskBytes(plannedBytes: number, nodes: number): number {
  const perNode = plannedBytes / Math.max(1, nodes);
  return Math.max(1024 ** 3, Math.ceil((3 * perNode + 512 * 1024 ** 2) / 4096) * 4096);
}

function addWarning(warnings: RunWarning[], warning: RunWarning): void {
  if (!warnings.some((w) => w.kind === warning.kind)) warnings.push(warning);
}
