import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ShipbenchError } from '../core/errors.ts';
import { freeBytes } from '../core/output-dir.ts';
import { formatBytes } from '../core/units.ts';
import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import { harnessWarnings } from '../metrics/harness-warnings.ts';
import type { RunWarning } from '../metrics/samples.ts';
import { type PushedStrategy, type RolloutEvent, runImageRollouts } from '../nodes/image-rollout.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../registry/embedded-registry.ts';
import { pushLayoutImage } from '../registry/push-layout.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import { RESULTS_SCHEMA_VERSION, type Phase, type RunResults } from '../report/results.ts';
import { ResultsWriter } from '../report/results-writer.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
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

async function connectRegistry(scenario: ResolvedScenario): Promise<{ url: string; auth: RegistryCredentials | undefined; version: string | undefined; embedded: EmbeddedRegistry | undefined }> {
  if (scenario.registry.kind === 'embedded') {
    const embedded = await startEmbeddedRegistry();
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
  try {
    const reg = await phase('registry', async () => {
      registry = await connectRegistry(scenario);
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
    const { stoppedBecause } = await runImageRollouts({
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
    await rm(nodesDir, { recursive: true, force: true });
    await registry?.embedded?.stop();
  }
}

function addWarning(warnings: RunWarning[], warning: RunWarning): void {
  if (!warnings.some((w) => w.kind === warning.kind)) warnings.push(warning);
}
