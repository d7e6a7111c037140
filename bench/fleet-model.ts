/**
 * Does the fleet model scale? 1,000 and 10,000 nodes pulling a 10-layer image at once, direct from the
 * registry and via P2P, timed in one run; the 10k/1k ratio shows how cost grows with the fleet (10 is
 * linear). Target: 10,000 nodes in under 10 s on a 2-core machine. CPU seconds are printed beside wall time:
 * on a shared machine, wall time also counts other processes' turns.
 *
 *   npx tsx bench/fleet-model.ts
 */
import { performance } from 'node:perf_hooks';
import type { FleetPlan } from '../src/model/fleet-plan.ts';
import { simulateFleet } from '../src/model/simulate-fleet.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';
import type { ModelTopology } from '../src/scenario/model-resolved.ts';
import type { ModelFleet as ResolvedFleet } from '../src/model/model-fleet.ts';

const MiB = 1 << 20;
// A 6 GiB image in 10 layers of different sizes (a base, a runtime, code, l10n...), as WMF's MediaWiki image.
const sizes = [1200, 900, 800, 700, 650, 600, 500, 400, 300, 94].map((m) => m * MiB);
const plan: FleetPlan = {
  strategies: [{ name: 'ten-layers', steps: [{ step: 'initial', layers: sizes.map((b, i) => ({ id: `l${i}`, compressedBytes: b, uncompressedBytes: b * 3, files: Math.round(b / 30_000) })) }] }],
  volume: [],
};

function run(nodes: number, topology: ModelTopology): { wallSeconds: number; cpuSeconds: number; makespan: number; events: number; registryGiB: number } {
  const fleet: ResolvedFleet = {
    nodes,
    rollout: { maxConcurrent: nodes, stages: [{ rest: true }] },
    node: { nicBitsPerSecond: 10e9, disk: { writeBytesPerSecond: 1e9 }, maxConcurrentDownloads: 3, unpack: true },
  };
  const model = resolveModel(
    { topologies: [topology], volume: false, datacentres: [{ name: 'eqiad', share: '50%' }, { name: 'codfw', share: '50%' }], registry: { replicas: 4, egress: '20Gbit/s' }, p2p: { piece: '4MiB', upload: '2Gbit/s' } },
    { nodes, nicBitsPerSecond: 10e9, diskWriteBytesPerSecond: 1e9 },
  );
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const out = simulateFleet({ model, fleet, volume: { proxies: 4}, plan });
  const wallSeconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const step = out.steps[0]!;
  return { wallSeconds, cpuSeconds, makespan: step.makespanSeconds, events: step.model?.events ?? 0, registryGiB: step.registryBytesServed / 2 ** 30 };
}

for (const topology of ['direct', 'p2p'] as const) {
  const small = run(1000, topology);
  const large = run(10_000, topology);
  for (const [nodes, r] of [[1000, small], [10_000, large]] as const) {
    console.log(`${topology.padEnd(6)} ${String(nodes).padStart(6)} nodes x 10 layers: ${r.wallSeconds.toFixed(2)} s wall (${r.cpuSeconds.toFixed(2)} s CPU), ${r.events} events, simulated makespan ${r.makespan.toFixed(0)} s, registry served ${r.registryGiB.toFixed(1)} GiB`);
  }
  console.log(`${topology.padEnd(6)} 10k/1k ratio: wall ${(large.wallSeconds / small.wallSeconds).toFixed(1)}, CPU ${(large.cpuSeconds / small.cpuSeconds).toFixed(1)} (10 = linear)${large.wallSeconds < 10 ? '' : '  [above the 10 s target]'}`);
}
