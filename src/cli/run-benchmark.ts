import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ShipbenchError } from '../core/errors.ts';
import { freeBytes } from '../core/output-dir.ts';
import { formatBytes } from '../core/units.ts';
import { MECHANISMS, mechanismKinds, type RunMechanisms } from '../harness/mechanisms.ts';
import { newRunResults } from '../harness/new-run-results.ts';
import type { RunEvent } from '../harness/run-events.ts';
import { runMechanisms } from '../harness/run-harness.ts';
import { describeEnvironment } from '../harness/run-environment.ts';
import { RunRecorder } from '../harness/run-recorder.ts';
import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import { assertEnginePrerequisites } from '../nodes/isolation/engine-preflight.ts';
import type { RunResults } from '../report/results.ts';
import { fleetNodeNames } from '../scenario/fleet-node-names.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

export type { RunMechanisms } from '../harness/mechanisms.ts';

export interface RunOptions {
  readonly scenario: ResolvedScenario;
  /** The images of every strategy; with the volume side, also each step's plain tree (`generate --tree`). */
  readonly images: GeneratedImageSet;
  readonly outDir: string;
  readonly mechanisms?: RunMechanisms;
  readonly onEvent: (event: RunEvent) => void;
  readonly signal: AbortSignal;
}

/**
 * `run`: every chosen mechanism ships every deploy step to the fleet (the image side: registry, push,
 * nodes pulling; the volume side: rsync through proxies), with results.json current after every phase,
 * node and step. Node disks, daemons and the embedded registry are removed at the end, on failure and on
 * Ctrl-C alike.
 */
export async function runBenchmark(options: RunOptions): Promise<RunResults> {
  const { scenario, images, outDir } = options;
  const runStartMs = performance.now();
  const kinds = mechanismKinds(options.mechanisms ?? 'scenario', scenario);
  const entries = kinds.map((k) => MECHANISMS[k]);
  // Before anything slow: a missing tool (rsync) is a clear error now, not after another side ran.
  const tools: Record<string, string> = {};
  for (const entry of entries) Object.assign(tools, await entry.preflight(scenario, images));
  const needed = entries.reduce((n, entry) => n + entry.plannedBytes(scenario, images), 0);
  await mkdir(outDir, { recursive: true });
  const free = await freeBytes(outDir);
  if (needed > free) {
    throw new ShipbenchError('disk-too-small', `${scenario.fleet.nodes} nodes need about ${formatBytes(needed)} for their images in ${outDir}, but only ${formatBytes(free)} is free there`, {
      hint: `simulate it instead (\`shipbench simulate ${scenario.sourceFile}\` models fleets beyond one machine); or lower fleet.nodes or content.scale, set fleet.node.unpack: false, or choose another --out`,
    });
  }
  // The blobs' digests depend on the compressor (engine, level, library release): name it beside the tools.
  const { environment, diskDevice } = await describeEnvironment(outDir, { gzip: images.compressor, ...tools });
  const results = newRunResults('measured', scenario, environment, images.external ?? images.contentSource?.label);
  if (diskDevice === undefined) results.environment.disk.note ??= 'no block device under the output directory: disk I/O was not measured';
  const recorder = new RunRecorder(join(outDir, 'results.json'), results, { runStartMs, firstPhase: kinds[0] === 'image' ? 'registry' : kinds[0] === 'hybrid' ? 'hybrid-registry' : 'volume', onEvent: options.onEvent });
  assertEnginePrerequisites(scenario.fleet);
  const nodeNames = fleetNodeNames(scenario.fleet.nodes);
  return runMechanisms(entries, { scenario, images, outDir, nodeNames, recorder, diskDevice, runStartMs, signal: options.signal, onEvent: options.onEvent });
}
