import { access } from 'node:fs/promises';
import { freemem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ShipbenchError } from '../core/errors.ts';
import { freeBytes } from '../core/output-dir.ts';
import { formatBytes } from '../core/units.ts';
import type { BackendKind } from '../scenario/resolved-fleet-engines.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { mechanismKinds } from '../harness/mechanism-choice.ts';
import type { RunMechanisms } from './run-benchmark.ts';

/**
 * Whether this machine can hold the fleet `run` would start, judged from the resolved scenario before
 * anything is generated: a lower bound of what the nodes write under --out, and of the memory their engines
 * take. Lower bounds, so a refusal is certain; run-benchmark.ts checks disk again with the real image sizes.
 */

/**
 * Resident memory each node costs at least, by what it is: a virtual node while it deploys (its downloads'
 * buffers and streams; at rest it holds only its samples), an engine's daemons (dockerd plus containerd) for
 * the whole run.
 */
const NODE_MEMORY_BYTES: Record<BackendKind, number> = {
  virtual: 1 * 2 ** 20,
  docker: 80 * 2 ** 20,
  containerd: 40 * 2 ** 20,
};

export interface FleetFootprint {
  /** Bytes each node writes at least: its unpacked tree (image side), its synced tree (volume side). */
  readonly nodeDiskBytes: number;
  readonly diskBytes: number;
  readonly memoryBytes: number;
}

export function fleetFootprint(scenario: ResolvedScenario, mechanisms: RunMechanisms): FleetFootprint {
  const versions = scenario.content.versions.length;
  const copies = (perVersion: boolean) => (perVersion ? versions : 1);
  const tree = scenario.content.components.reduce((n, c) => n + c.bytes * copies(c.perVersion), 0);
  const code = scenario.content.components.filter((c) => !c.base).reduce((n, c) => n + (c.bytes + c.files * 4096) * copies(c.perVersion), 0);
  const { nodes } = scenario.fleet;
  const remote = scenario.fleet.hosts.length > 0;
  // Compressed blobs are not counted: their size is known only once generated.
  const kinds = mechanismKinds(mechanisms, scenario);
  const imageNode = kinds.includes('image') && scenario.fleet.node.unpack && !remote ? tree : 0;
  // The volume and hybrid sides run one after the other: their node trees are never there at once.
  const synced = kinds.some((k) => k === 'volume' || k === 'hybrid');
  const volumeNode = synced ? code : 0;
  const { maxConcurrent } = scenario.fleet.rollout;
  const memory = (b: BackendKind): number => (remote ? 0 : b === 'virtual' ? NODE_MEMORY_BYTES.virtual * Math.min(nodes, maxConcurrent) : NODE_MEMORY_BYTES[b] * nodes);
  return {
    nodeDiskBytes: imageNode + volumeNode,
    diskBytes: imageNode * nodes + volumeNode * (nodes + (synced ? scenario.volume.proxies : 0)),
    memoryBytes: Math.max(...scenario.fleet.backends.map(memory)),
  };
}

/** Refuses (exit 2, with the numbers) a fleet beyond this machine's disk under `outDir` or its memory. */
export async function assertFleetFits(scenario: ResolvedScenario, outDir: string, mechanisms: RunMechanisms): Promise<void> {
  const footprint = fleetFootprint(scenario, mechanisms);
  const free = await freeBytes(await nearestExisting(outDir));
  const available = freemem();
  const { nodes } = scenario.fleet;
  const fitting = (budget: number, each: number) => (each === 0 ? nodes : Math.floor(budget / each));
  const simulate = `simulate it instead: \`shipbench simulate ${scenario.sourceFile}\` models 10,000s of nodes without running them`;
  if (footprint.diskBytes > free) {
    throw new ShipbenchError(
      'fleet-beyond-machine',
      `${nodes} nodes need at least ${formatBytes(footprint.diskBytes)} on disk under ${outDir} (${formatBytes(footprint.nodeDiskBytes)} a node), but only ${formatBytes(free)} is free there`,
      { hint: `${simulate}; or, to run it here, lower fleet.nodes (about ${fitting(free, footprint.diskBytes / Math.max(1, nodes))} fit) or content.scale, set fleet.node.unpack: false, or choose another --out` },
    );
  }
  if (footprint.memoryBytes > available) {
    throw new ShipbenchError(
      'fleet-beyond-machine',
      `${nodes} ${scenario.fleet.backends.join('/')} nodes (${scenario.fleet.rollout.maxConcurrent} at a time) need at least ${formatBytes(footprint.memoryBytes)} of memory, but only ${formatBytes(available)} is available`,
      { hint: `${simulate}; or lower fleet.nodes or fleet.rollout.maxConcurrent` },
    );
  }
}

async function nearestExisting(dir: string): Promise<string> {
  let current = resolve(dir);
  for (;;) {
    try {
      await access(current);
      return current;
    } catch {
      if (dirname(current) === current) return current;
      current = dirname(current);
    }
  }
}
