/**
 * A published result beside the model: Uber's Kraken README (github.com/uber/kraken, "Benchmark"): a 3G
 * docker image with 2 layers downloaded by 2600 hosts concurrently (5200 blob downloads), with a 300MB/s
 * speed limit on all agents, 5 trackers and 5 origins: p50 = 10 s (at speed limit), p99 = 18 s, p99.9 = 22 s.
 *
 * Parameters taken from the publication: 2600 nodes, two 1.5 GB layers, 300 MB/s (2.4 Gbit/s) down and up
 * per agent, 5 origins (the seed tier). Assumed: origins' egress 10 Gbit/s each, one data centre, blobs only
 * (no unpack: Kraken's agents measure blob downloads), the model's default spread, peers 4, 4 MiB pieces.
 *
 * Where the model's p50 sits above 10 s (the time to move 3 GB at the 300 MB/s limit), the mechanism is the
 * swarm's store-and-forward granularity: a node serves only chunks it holds whole, so each doubling round of
 * the swarm's early phase costs one chunk's transfer at one upload slot's share. Kraken relays 4 MiB pieces;
 * the model moves p2p.chunks runs of pieces. At 300 nodes (load 16-19): p50 13.4 s at 32 chunks per layer,
 * 12.3 s at 128, 11.9 s at 358 (one chunk per piece), while zero NIC spread and no start delay move it only
 * to 12.9 s. The rest (about 2 s) is upload slots left idle by random holder choice with 4 peers.
 *
 *   npx tsx bench/validation-kraken.ts [nodes] [chunks]     (default 2600 nodes, 32 chunks; fewer nodes run faster)
 */
import { loadavg } from 'node:os';
import { simulateFleet } from '../src/model/simulate-fleet.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';
import type { FleetPlan } from '../src/model/fleet-plan.ts';

const PUBLISHED = { nodes: 2600, p50: 10, p99: 18, p999: 22 };
const nodes = Number(process.argv[2] ?? PUBLISHED.nodes);
const GB = 1e9;
const plan: FleetPlan = {
  strategies: [{ name: 'kraken', steps: [{ step: 'initial', layers: [0, 1].map((i) => ({ id: `layer-${i}`, compressedBytes: 1.5 * GB, uncompressedBytes: 1.5 * GB, files: 0 })) }] }],
  volume: [],
};
const fleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true as const }] }, node: { nicBitsPerSecond: 2.4e9, maxConcurrentDownloads: 2, unpack: false } };
const model = resolveModel(
  { topologies: ['p2p'], volume: false, registry: { replicas: 5, egress: '10Gbit/s' }, p2p: { piece: '4MiB', upload: '2.4Gbit/s', seeds: 5, seedEgress: '10Gbit/s', ...(process.argv[3] === undefined ? {} : { chunks: Number(process.argv[3]) }) } },
  { nodes, nicBitsPerSecond: 2.4e9, diskWriteBytesPerSecond: undefined },
);
const cpu0 = process.cpuUsage();
const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 'kraken' });
const cpu = process.cpuUsage(cpu0);
const t = out.steps[0]!.model!.nodeSeconds!;
const row = (what: string, published: number, simulated: number) => console.log(`${what.padEnd(6)} published ${published.toFixed(1).padStart(5)} s   simulated ${simulated.toFixed(1).padStart(5)} s   error ${(((simulated - published) / published) * 100).toFixed(0).padStart(4)}%`);
console.log(`Kraken README benchmark, ${nodes} of ${PUBLISHED.nodes} nodes simulated (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU, load ${loadavg()[0]!.toFixed(1)})`);
row('p50', PUBLISHED.p50, t.p50);
row('p99', PUBLISHED.p99, t.p99);
row('p99.9', PUBLISHED.p999, t.p999);
