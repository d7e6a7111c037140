import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ShipbenchError } from '../core/errors.ts';
import { TeardownRegistry } from '../core/teardown-registry.ts';
import { freeBytes } from '../core/output-dir.ts';
import { formatBytes } from '../core/units.ts';
import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import { harnessWarnings } from '../metrics/harness-warnings.ts';
import type { RunWarning } from '../metrics/samples.ts';
import { type PushedStrategy, type RolloutEvent, runImageRollouts } from '../nodes/image-rollout.ts';
import { assertEnginePrerequisites } from '../nodes/isolation/engine-preflight.ts';
import type { FleetNetwork } from '../nodes/isolation/fleet-network.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../registry/embedded-registry.ts';
import { pushLayoutImage } from '../registry/push-layout.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import { RESULTS_SCHEMA_VERSION, type Phase, type RunResults } from '../report/results.ts';
import { ResultsWriter } from '../report/results-writer.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { createRunNetwork, NETNS_REGISTRY_PORT, startRunBackends, usesEngines } from './engine-fleet-run.ts';
import { describeEnvironment } from './run-environment.ts';
import type { NeighbourEvent, NeighbourSession } from '../neighbours/neighbour-session.ts';
import { startRunNeighbours } from './run-neighbours.ts';

export interface RunOptions {
  readonly scenario: ResolvedScenario;
  readonly images: GeneratedImageSet;
  readonly outDir: string;
  readonly onEvent: (event: RolloutEvent | NeighbourEvent | { type: 'phase'; name: string; detail: string }) => void;
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

async function connectRegistry(scenario: ResolvedScenario, network?: FleetNetwork): Promise<{ url: string; auth: RegistryCredentials | undefined; version: string | undefined; embedded: EmbeddedRegistry | undefined }> {
  if (scenario.registry.kind === 'embedded') {
    // Emulated hosts reach the registry on its own namespace's address, through its shaped link.
    const netns = network === undefined ? undefined : { path: network.registry.netnsPath, address: network.registry.address, port: NETNS_REGISTRY_PORT };
    const embedded = await startEmbeddedRegistry(netns === undefined ? {} : { netns });
    return { url: embedded.url, auth: undefined, version: embedded.version, embedded };
  }
  const client = new DistributionClient({ baseUrl: scenario.registry.url, auth: scenario.registry.auth, rejectUnauthorized: !scenario.registry.insecure });
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
  const runStartMs = performance.now();
  const nodesDir = join(outDir, '.nodes');
  const needed = plannedNodeBytes(scenario, images);
  await mkdir(outDir, { recursive: true });
  const free = await freeBytes(outDir);
  if (needed > free) {
    throw new ShipbenchError('disk-too-small', `${scenario.fleet.nodes} nodes need about ${formatBytes(needed)} for their images in ${outDir}, but only ${formatBytes(free)} is free there`, {
      hint: 'lower fleet.nodes or content.scale, set fleet.node.unpack: false, or choose another --out',
    });
  }
  const writer = new ResultsWriter(join(outDir, 'results.json'));
  const { environment, diskDevice } = await describeEnvironment(outDir, {});
  const results: RunResults = {
    schema: RESULTS_SCHEMA_VERSION,
    source: 'measured',
    status: 'running',
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    scenario: scenario as unknown as RunResults['scenario'],
    environment,
    registry: { kind: scenario.registry.kind, url: scenario.registry.kind === 'external' ? scenario.registry.url : '' },
    phases: [],
    steps: [],
    samples: [],
    warnings: [],
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
  let neighbours: NeighbourSession | undefined;
  let currentPhase = 'registry';
  // Namespaces, disks, cgroups and daemons of real engines: undone in reverse on success, failure and Ctrl-C.
  const teardown = new TeardownRegistry();
  if (usesEngines(scenario)) assertEnginePrerequisites(scenario.fleet);
  try {
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
      const client = new DistributionClient({ baseUrl: reg.url, auth: reg.auth });
      let blobsPushed = 0;
      let blobsSkipped = 0;
      let bytesUp = 0;
      try {
        for (const strategy of images.strategies) {
          // Repository names are lower-case by the distribution spec; strategy names may say "8MiB".
          const repository = `${scenario.image.repository}/${strategy.name.toLowerCase()}`;
          for (const image of strategy.images) {
            const r = await pushLayoutImage(client, strategy.layoutDir, image.step, repository);
            blobsPushed += r.blobsPushed;
            blobsSkipped += r.blobsSkipped;
            bytesUp += r.bytesUp;
          }
          pushed.push({ name: strategy.name, repository, tags: strategy.images.map((i) => i.step) });
        }
      } finally {
        await client.close();
      }
      return { details: { blobsPushed, blobsSkipped, bytesUp, retries: client.stats.retries }, value: pushed };
    });

    if (scenario.neighbours !== undefined) {
      const settings = scenario.neighbours;
      currentPhase = 'neighbours';
      neighbours = await phase('neighbours', async () => {
        // Beside the nodes' disks, so the neighbours' I/O shares their device.
        const session = await startRunNeighbours({ neighbours: settings, workDir: join(outDir, '.neighbours'), results, runStartMs, persist: () => writer.write(results), onEvent: options.onEvent });
        return { details: { workloads: settings.workloads.map((w) => w.name).join(', ') }, value: session };
      });
    }

    currentPhase = 'rollout';
    await rm(nodesDir, { recursive: true, force: true });
    currentPhase = 'engines';
    const engines = !usesEngines(scenario)
      ? undefined
      : await phase('engines', async () => {
          const started = await startRunBackends(scenario, { registryUrl: reg.url, auth: reg.auth, network, workDir: nodesDir, diskBytesPerNode: nodeDiskBytes(needed, scenario.fleet.nodes), teardown });
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
      onStep: async (result, samples) => {
        results.steps.push(result);
        results.samples.push(...samples);
        for (const w of harnessWarnings({ cpu: result.cpu, disk: result.disk })) addWarning(results.warnings, w);
        await writer.write(results);
      },
    });
    if (diskDevice === undefined) {
      results.environment.disk.note ??= 'no block device under the output directory: disk I/O was not measured';
    }
    results.status = options.signal.aborted ? 'interrupted' : results.steps.some((s) => s.failedNodes > 0) ? 'failed' : 'completed';
    if (results.status === 'failed') {
      const failed = results.samples.filter((s) => s.error !== undefined).length;
      results.failure = { phase: 'rollout', message: stoppedBecause === undefined ? `${failed} node deploys failed` : `stopped: ${stoppedBecause}` };
    }
    await writer.write(results);
    return results;
  } catch (error) {
    results.status = options.signal.aborted ? 'interrupted' : 'failed';
    results.failure = { phase: currentPhase, message: error instanceof Error ? error.message : String(error) };
    await writer.write(results);
    throw error;
  } finally {
    await neighbours?.stop();
    // Mounts go before the directory they are mounted in.
    const failures = await teardown.teardown();
    if (results.engines !== undefined && failures.length > 0) {
      results.engines.teardownFailures = failures;
      await writer.write(results).catch(() => undefined);
    }
    for (const f of failures) options.onEvent({ type: 'phase', name: 'teardown', detail: `LEFT BEHIND ${f.what}: ${f.message}` });
    await rm(nodesDir, { recursive: true, force: true });
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
