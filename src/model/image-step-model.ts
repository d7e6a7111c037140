import type { ModelTopology, ResolvedModel } from '../scenario/model-resolved.ts';
import type { ModelFleet } from './model-fleet.ts';
import type { ModelLayer } from './fleet-plan.ts';
import type { FleetLayout } from './fleet-layout.ts';
import { bottleneckOf, FluidNetwork } from './fluid-network.ts';
import { RolloutGate } from './rollout-gate.ts';
import { meterOutcomes, NodeFigures, type StepOutcome } from './step-outcome.ts';
import { TOPOLOGIES } from './topologies/index.ts';
import type { FetchLayer } from './topologies/topology.ts';
import type { NodeSpread } from './node-spread.ts';
import { RequestServers } from './request-servers.ts';

export interface ImageStepInput {
  readonly model: ResolvedModel;
  readonly fleet: ModelFleet;
  readonly layout: FleetLayout;
  readonly topology: ModelTopology;
  /** Every layer of the step's image. */
  readonly layers: readonly ModelLayer[];
  /** Layer ids every node holds from the previous step. */
  readonly held: ReadonlySet<string>;
  /** 1 for nodes that pulled this image before the deploy. */
  readonly prePulled: Uint8Array;
  /** Per data centre, layer ids its cache tier holds; grows as fills complete (kept across steps). */
  readonly cached: ReadonlyArray<Set<string>>;
  readonly keepLayers: boolean;
  /** How each node differs from the mean one. */
  readonly spread: NodeSpread;
}

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/** The step's flow network: every resource a pull or an unpack shares, created in a fixed order (ids are part of the result). */
interface StepResources {
  readonly net: FluidNetwork;
  readonly meter: { registry: number; backend: number; cache: number; peers: number; nodes: number };
  readonly backend: number[];
  readonly replicas: number[];
  readonly nic: number[];
  readonly disk: number[];
  readonly writeWeight: Float64Array;
  readonly readWeight: Float64Array;
  readonly cpu: number[];
  readonly requests: RequestServers;
  readonly registryServers: ReturnType<RequestServers['server']>[];
  readonly stream: number | undefined;
  readonly writtenBytes: Float64Array;
}

function stepResources(input: ImageStepInput): StepResources {
  const { model, layout, spread } = input;
  const n = layout.names.length;
  const net = new FluidNetwork();
  const meter = { registry: net.addMeter(), backend: net.addMeter(), cache: net.addMeter(), peers: net.addMeter(), nodes: net.addMeter() };
  const backend = model.registry.backendReadBitsPerSecond === undefined ? [] : [net.addResource(bytesPerSecond(model.registry.backendReadBitsPerSecond), 'registry backend read')];
  const replicas = Array.from({ length: model.registry.replicas }, () => net.addResource(bytesPerSecond(model.registry.egressBitsPerSecond), 'registry egress'));
  const nic = Array.from({ length: n }, (_, i) => net.addResource(bytesPerSecond(model.node.nicBitsPerSecond) * spread.nic[i]!, 'node nic'));
  // Each node's disk is one device (capacity 1: all of its time); a byte written or read takes its share.
  const disk = Array.from({ length: n }, () => net.addResource(1, 'node disk'));
  const writeWeight = Float64Array.from({ length: n }, (_, i) => 1 / (model.node.diskWriteBytesPerSecond * spread.disk[i]!));
  const readWeight = Float64Array.from({ length: n }, (_, i) => 1 / (model.node.diskReadBytesPerSecond * spread.disk[i]!));
  const cpu = Array.from({ length: n }, (_, i) => net.addResource(model.node.decompressBytesPerSecond * spread.decompress[i]!, 'node decompression'));
  const requests = new RequestServers(net, spread.latency);
  const registryServers = replicas.map(() => requests.server(model.registry, 'registry requests'));
  const stream = model.node.streamBitsPerSecond === undefined ? undefined : bytesPerSecond(model.node.streamBitsPerSecond);
  return { net, meter, backend, replicas, nic, disk, writeWeight, readWeight, cpu, requests, registryServers, stream, writtenBytes: new Float64Array(n) };
}

/** How a node gets a layer: the topology's fetch, given the network and a way to the registry. */
function topologyFetch(input: ImageStepInput, r: StepResources): FetchLayer {
  const { net, meter, backend, replicas, nic, disk, writeWeight, requests, registryServers, stream } = r;
  return TOPOLOGIES[input.topology].prepare({
    net,
    model: input.model,
    layout: input.layout,
    meter,
    replicas,
    backend,
    nicIn: nic,
    disk,
    writeWeight,
    readWeight: r.readWeight,
    stream,
    prePulled: input.prePulled,
    cached: input.cached,
    spread: input.spread,
    requests,
    writtenBytes: r.writtenBytes,
    fetchToSeed: (seed, seedIn, chunk, done) =>
      requests.request(registryServers[seed % replicas.length]!, 0, () =>
        net.startFlow({ bytes: chunk.compressedBytes, resources: [...backend, replicas[seed % replicas.length]!, seedIn], meters: [meter.registry, meter.backend], onDone: done }),
      ),
    fromRegistry: (node, layer, extra, meters, done) =>
      requests.request(registryServers[node % replicas.length]!, node, () =>
        net.startFlow({
          bytes: layer.compressedBytes,
          resources: [...backend, replicas[node % replicas.length]!, ...extra, nic[node]!, disk[node]!],
          weights: [...backend.map(() => 1), 1, ...extra.map(() => 1), 1, writeWeight[node]!],
          capBytesPerSecond: stream,
          meters: [meter.registry, meter.backend, ...meters, meter.nodes],
          onDone: done,
        }),
      ),
  });
}

/**
 * The layers a node that lacks the image works on, bottom first: snapshots are keyed by ChainID (the layer
 * and every layer below it), so every layer above the first one the node lacks is unpacked again, from the
 * blob it still holds (containerd). Without unpacking, only the missing blobs.
 */
export function layersToApply(layers: readonly ModelLayer[], held: ReadonlySet<string>, unpack: boolean): ModelLayer[] {
  if (!unpack) return layers.filter((l) => !held.has(l.id));
  const first = layers.findIndex((l) => !held.has(l.id));
  return first < 0 ? [] : layers.slice(first);
}

/** What every node's rollout shares. */
interface NodeStep {
  readonly input: ImageStepInput;
  readonly r: StepResources;
  readonly fetch: FetchLayer;
  readonly figures: NodeFigures;
  /** The layers a node that lacks the image unpacks (fetching those it does not hold), bottom first. */
  readonly fresh: readonly ModelLayer[];
  readonly nodeDone: (node: number) => void;
}

/** Unpacks layer k on `node`: a fixed cost per layer and per file, then its bytes through decompression and disk. */
function unpackLayer(ctx: NodeStep, node: number, k: number, downloadSeconds: number, onDone: () => void): void {
  const { r, figures } = ctx;
  const { model, spread } = ctx.input;
  const { net, cpu, disk, writeWeight, writtenBytes } = r;
  const layer = ctx.fresh[k]!;
  const began = net.now;
  const afterFiles = () =>
    net.startFlow({
      bytes: layer.uncompressedBytes,
      resources: [cpu[node]!, disk[node]!],
      weights: [1, writeWeight[node]!],
      // Each file is at least one write: the disk's IOPS bound the unpack rate of small-file layers.
      capBytesPerSecond: layer.files === 0 ? undefined : (layer.uncompressedBytes * model.node.diskIops * spread.disk[node]!) / layer.files,
      capKind: 'node disk IOPS',
      onDone: () => {
        const seconds = net.now - began;
        figures.diskBytes[node]! += layer.uncompressedBytes;
        writtenBytes[node]! += layer.uncompressedBytes;
        figures.files[node]! += layer.files;
        if (seconds > 0) figures.peakIops[node] = Math.max(figures.peakIops[node]!, layer.files / seconds);
        figures.layers?.[node]!.push([k, layer.compressedBytes, downloadSeconds, seconds, layer.files]);
        onDone();
      },
    });
  const fixedSeconds = model.node.unpackPerLayerSeconds + layer.files * model.node.unpackPerFileSeconds;
  if (fixedSeconds > 0) net.at(net.now + fixedSeconds, afterFiles);
  else afterFiles();
}

/** One node's rollout: start delay, token, manifest and config, then its layers fetched and unpacked in order. */
function startNode(ctx: NodeStep, node: number): void {
  const { input, r, fetch, figures, fresh } = ctx;
  const { net, requests, registryServers, replicas, writtenBytes } = r;
  const { model, fleet, spread } = input;
  figures.startSeconds[node] = net.now;
  const finishNode = () => {
    figures.endSeconds[node] = net.now;
    ctx.nodeDone(node);
  };
  if (input.prePulled[node] === 1 || fresh.length === 0) {
    net.at(net.now, finishNode);
    return;
  }
  let nextDownload = 0;
  let active = 0;
  let nextUnpack = 0;
  let unpacking = false;
  // Layers whose blob the node holds are only unpacked again (their snapshot's ChainID changed below them).
  const downloaded = Uint8Array.from(fresh, (l) => (input.held.has(l.id) ? 1 : 0));
  const downloadSeconds = new Float64Array(fresh.length);
  const tryUnpack = (): void => {
    if (unpacking) return;
    if (nextUnpack === fresh.length) return finishNode();
    if (downloaded[nextUnpack] === 0) return;
    const k = nextUnpack;
    if (!fleet.node.unpack) {
      const layer = fresh[k]!;
      figures.layers?.[node]!.push([k, layer.compressedBytes, downloadSeconds[k]!, 0, layer.files]);
      nextUnpack++;
      return tryUnpack();
    }
    unpacking = true;
    unpackLayer(ctx, node, k, downloadSeconds[k]!, () => {
      unpacking = false;
      nextUnpack++;
      tryUnpack();
    });
  };
  const pump = () => {
    while (active < fleet.node.maxConcurrentDownloads && nextDownload < fresh.length) {
      const k = nextDownload++;
      if (downloaded[k] === 1) continue;
      const layer = fresh[k]!;
      const began = net.now;
      active++;
      fetch(node, layer, () => {
        active--;
        downloaded[k] = 1;
        downloadSeconds[k] = net.now - began;
        figures.bytesDownloaded[node]! += layer.compressedBytes;
        figures.diskBytes[node]! += layer.compressedBytes;
        writtenBytes[node]! += layer.compressedBytes;
        pump();
        tryUnpack();
      });
    }
  };
  // Before any layer: the agent's start delay, then token, manifest and config, one request after another.
  const registry = registryServers[node % replicas.length]!;
  const resolved = () => {
    figures.manifestSeconds[node] = net.now - figures.startSeconds[node]! - spread.startDelaySeconds[node]!;
    pump();
    tryUnpack();
  };
  const token = () => requests.request(registry, node, () => requests.request(registry, node, () => requests.request(registry, node, resolved)));
  net.at(net.now + spread.startDelaySeconds[node]! + model.node.manifestSeconds, token);
}

/**
 * One deploy step of one layer strategy, rolled out over the fleet through one topology. A node fetches
 * the layers it lacks (at most maxConcurrentDownloads at once, bottom first) and unpacks them in order,
 * one at a time, as containerd applies layers: a fixed cost per file, then the bytes through the node's
 * decompression and disk (at most diskIops files per second).
 */
export function simulateImageStep(input: ImageStepInput): StepOutcome {
  const { model, fleet, layout, topology } = input;
  const n = layout.names.length;
  const r = stepResources(input);
  const { net, meter } = r;
  const fresh = layersToApply(input.layers, input.held, fleet.node.unpack);
  const figures = new NodeFigures(n, input.keepLayers);
  let prePulled = 0;
  for (let i = 0; i < n; i++) prePulled += input.prePulled[i]!;
  const fetch = topologyFetch(input, r);
  const ctx: NodeStep = { input, r, fetch, figures, fresh, nodeDone: (node) => gate.nodeDone(node) };
  const gate = new RolloutGate(layout.datacentreOf, layout.datacentres.length, fleet.rollout.stages, fleet.rollout.maxConcurrent, model.rollout.concurrentDeployments, (node) => startNode(ctx, node));
  gate.begin();
  net.run();
  let makespan = 0;
  for (let i = 0; i < n; i++) makespan = Math.max(makespan, figures.endSeconds[i]!);
  const kind = TOPOLOGIES[topology];
  const tiers = [{ tier: 'registry', id: meter.registry }, { tier: 'backend', id: meter.backend }, ...kind.tiers.map((tier) => ({ tier, id: meter[tier] })), { tier: 'nodes', id: meter.nodes }];
  return { topology, makespanSeconds: makespan, nodes: figures, prePulled, meters: meterOutcomes(net, tiers), events: net.events, bottleneck: bottleneckOf(net) };
}
