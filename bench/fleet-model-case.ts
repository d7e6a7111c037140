import { performance } from 'node:perf_hooks';
import type { FleetPlan } from '../src/model/fleet-plan.ts';
import type { ModelFleet } from '../src/model/model-fleet.ts';
import { simulateFleet } from '../src/model/simulate-fleet.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';
import type { ModelTopology, ResolvedModel } from '../src/scenario/model-resolved.ts';

const MiB = 1 << 20;
// A 6 GiB image in 10 layers of different sizes (a base, a runtime, code, l10n...), as WMF's MediaWiki image.
const sizes = [1200, 900, 800, 700, 650, 600, 500, 400, 300, 94].map((m) => m * MiB);

/** bench/fleet-model.ts's case: every node pulls a 10-layer image at once, in two data centres. */
export const TEN_LAYERS: FleetPlan = {
  strategies: [{ name: 'ten-layers', steps: [{ step: 'initial', layers: sizes.map((b, i) => ({ id: `l${i}`, compressedBytes: b, uncompressedBytes: b * 3, files: Math.round(b / 30_000) })) }] }],
  volume: [],
};

/** Every node's NIC and disk in the case (before the per-node spread). */
export const NODE_NIC_BITS_PER_SECOND = 10e9;
export const NODE_DISK_WRITE_BYTES_PER_SECOND = 1e9;

export interface CaseFigures { wallSeconds: number; cpuSeconds: number; makespan: number; p50: number; p99: number; events: number; registryGiB: number }

/** The fleet and model of the case at `nodes`, with the default per-node spread or (`spread` false) identical nodes. */
export function fleetModelCase(nodes: number, topology: ModelTopology, spread: boolean): { fleet: ModelFleet; model: ResolvedModel } {
  const fleet: ModelFleet = {
    nodes,
    rollout: { maxConcurrent: nodes, stages: [{ rest: true }] },
    node: { nicBitsPerSecond: NODE_NIC_BITS_PER_SECOND, disk: { writeBytesPerSecond: NODE_DISK_WRITE_BYTES_PER_SECOND }, maxConcurrentDownloads: 3, unpack: true },
  };
  const model = resolveModel(
    {
      topologies: [topology],
      volume: false,
      datacentres: [{ name: 'eqiad', share: '50%' }, { name: 'codfw', share: '50%' }],
      registry: { replicas: 4, egress: '20Gbit/s' },
      p2p: { piece: '4MiB', upload: '2Gbit/s' },
      ...(spread ? {} : { node: { spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s' } } }),
    },
    { nodes, nicBitsPerSecond: NODE_NIC_BITS_PER_SECOND, diskWriteBytesPerSecond: NODE_DISK_WRITE_BYTES_PER_SECOND },
  );
  return { fleet, model };
}

/** Simulates the case, timed: wall and CPU seconds beside the step's figures. */
export function runFleetModelCase(nodes: number, topology: ModelTopology, spread: boolean): CaseFigures {
  const { fleet, model } = fleetModelCase(nodes, topology, spread);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const out = simulateFleet({ model, fleet, volume: { proxies: 4 }, plan: TEN_LAYERS, seed: 1 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const step = out.steps[0]!;
  const t = step.model?.nodeSeconds;
  return { wallSeconds, cpuSeconds: (used.user + used.system) / 1e6, makespan: step.makespanSeconds, p50: t?.p50 ?? 0, p99: t?.p99 ?? 0, events: step.model?.events ?? 0, registryGiB: step.registryBytesServed / 2 ** 30 };
}
