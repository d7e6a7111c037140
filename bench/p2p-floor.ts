/**
 * How far is the fleet model's P2P from the floor of its protocol? bench/fleet-model.ts's P2P case with spread
 * (every node pulls a 6 GiB image of 10 layers at once, in two data centres) beside a minimal kernel of the same
 * swarm at the same node count, chunk count, piece, upload slots and capacities (p2p-floor-kernel.ts: flat typed
 * arrays, a transfer crossing three capacities, a max-min re-fill of what changed, the first piece and the end as
 * events, and nothing else). The kernel is a yardstick, not a model: what it leaves out (write-back and unpack,
 * page cache, layers, requests, the end game, exact max-min, groups) only adds. Printed per fleet size: CPU
 * seconds and microseconds per chunk transfer of each, and the ratio model / floor. A rewrite of the model can at
 * best approach the floor: if the floor at 10,000 nodes is near the 10 s target, so is any rewrite.
 *
 *   npx tsx bench/p2p-floor.ts [nodes ...]      (default: 3000 10000; bundled, with the CLI's V8 flags)
 */
import { loadavg } from 'node:os';
import { layerChunks } from '../src/model/topologies/layer-chunks.ts';
import { rerunBundled } from './as-bundled.ts';
import { fleetModelCase, NODE_DISK_WRITE_BYTES_PER_SECOND, NODE_NIC_BITS_PER_SECOND, runFleetModelCase, TEN_LAYERS } from './fleet-model-case.ts';
import { type FloorCase, runP2pFloor } from './p2p-floor-kernel.ts';

const bundledExit = await rerunBundled(import.meta.url);
if (bundledExit !== undefined) process.exit(bundledExit);

/** Transfers a node of the model keeps in flight on average (session 26: 40,000 at 10,000 nodes). */
const IN_FLIGHT = 4;

function floorCase(nodes: number): FloorCase {
  const { model } = fleetModelCase(nodes, 'p2p', true);
  const layers = TEN_LAYERS.strategies[0]!.steps[0]!.layers;
  const stepBytes = layers.reduce((sum, l) => sum + l.compressedBytes, 0);
  const chunks = layers.reduce((sum, l) => sum + layerChunks(l.compressedBytes, stepBytes, model.p2p), 0);
  return {
    nodes,
    datacentres: model.datacentres.length,
    chunks,
    chunkBytes: stepBytes / chunks,
    pieceBytes: model.p2p.pieceBytes,
    slots: model.p2p.peers,
    inFlight: IN_FLIGHT,
    uploadBytesPerSecond: model.p2p.uploadBitsPerSecond / 8,
    nicBytesPerSecond: NODE_NIC_BITS_PER_SECOND / 8,
    diskBytesPerSecond: NODE_DISK_WRITE_BYTES_PER_SECOND,
    originBytesPerSecond: model.registry.egressBitsPerSecond / 8 / model.datacentres.length,
    nicSpread: model.node.spread.nic,
    diskSpread: model.node.spread.disk,
    seed: 1,
  };
}

const sizesArg = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const nodes of sizesArg.length > 0 ? sizesArg : [3000, 10_000]) {
  const c = floorCase(nodes);
  const deliveries = nodes * c.chunks;
  const model = runFleetModelCase(nodes, 'p2p', true);
  const floor = runP2pFloor(c);
  const us = (cpuSeconds: number, count: number) => ((1e6 * cpuSeconds) / count).toFixed(1);
  console.log(`model  ${String(nodes).padStart(6)} nodes: ${model.wallSeconds.toFixed(2)} s wall (${model.cpuSeconds.toFixed(2)} CPU-s, load ${loadavg()[0]!.toFixed(1)}), ${model.events} events, ${us(model.cpuSeconds, deliveries)} us CPU per chunk delivered (${c.chunks} a node), node p50 ${model.p50.toFixed(0)} s`);
  console.log(`floor  ${String(nodes).padStart(6)} nodes: ${floor.wallSeconds.toFixed(2)} s wall (${floor.cpuSeconds.toFixed(2)} CPU-s, load ${loadavg()[0]!.toFixed(1)}), ${floor.events} events, ${us(floor.cpuSeconds, floor.transfers)} us CPU per chunk transfer (${floor.transfers}), node p50 ${floor.p50Seconds.toFixed(0)} s`);
  console.log(`model / floor ${String(nodes).padStart(6)} nodes: ${(model.cpuSeconds / floor.cpuSeconds).toFixed(1)}x the CPU${nodes >= 10_000 && floor.cpuSeconds >= 5 ? '  [the floor alone is half the 10 s target or more]' : ''}`);
}
