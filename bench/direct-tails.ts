/**
 * Tails of direct (registry-only) pulls: 1000 nodes pull a 1 GB image (10 layers of 100 MB, unpacked) from
 * 4 registry replicas, with and without busy-host interference, once with replicas so fast that each node's
 * own rates bound it and once with 100 Gbit/s replicas that bound the fleet. Prints p50/p90/p99/p99.9/max
 * and p99/p50. `npx tsx bench/direct-tails.ts [nodes]`.
 */
import { simulateFleet } from '../src/model/simulate-fleet.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';

const nodes = Number(process.argv[2] ?? 1000);
const nic = 10e9;
const layers = Array.from({ length: 10 }, (_, i) => ({ id: `l${i}`, compressedBytes: 100e6, uncompressedBytes: 250e6, files: 2000 }));
const plan = { strategies: [{ name: 'img', steps: [{ step: 'initial', layers }] }], volume: [] };
const fleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true as const }] }, node: { nicBitsPerSecond: nic, maxConcurrentDownloads: 3, unpack: true } };
for (const egress of ['10000Gbit/s', '100Gbit/s']) {
  for (const interference of ['0%', '25%']) {
    const model = resolveModel({ volume: false, registry: { replicas: 4, egress }, node: { spread: { interference } } }, { nodes, nicBitsPerSecond: nic, diskWriteBytesPerSecond: undefined });
    const step = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 'direct-tails' }).steps[0]!;
    const t = step.model!.nodeSeconds!;
    const f = (x: number) => `${x.toFixed(2)} s`;
    console.log(`registry 4 x ${egress}, interference ${interference}: p50 ${f(t.p50)} p90 ${f(t.p90)} p99 ${f(t.p99)} p99.9 ${f(t.p999)} max ${f(t.max)}; p99/p50 ${(t.p99 / t.p50).toFixed(2)}; bottleneck ${step.model!.bottleneck}`);
  }
}
