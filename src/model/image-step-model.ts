import type { ModelTopology, ResolvedModel } from '../scenario/model-resolved.ts';
import type { ModelFleet } from './model-fleet.ts';
import type { ModelLayer } from './fleet-plan.ts';
import type { FleetLayout } from './fleet-layout.ts';
import { bottleneckOf, FluidNetwork } from './fluid-network.ts';
import { RolloutGate } from './rollout-gate.ts';
import { meterOutcomes, NodeFigures, type StepOutcome } from './step-outcome.ts';
import { TOPOLOGIES } from './topologies/index.ts';
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

/**
 * One deploy step of one layer strategy, rolled out over the fleet through one topology. A node fetches
 * the layers it lacks (at most maxConcurrentDownloads at once, bottom first) and unpacks them in order,
 * one at a time, as containerd applies layers: a fixed cost per file, then the bytes through the node's
 * decompression and disk (at most diskIops files per second).
 */
export function simulateImageStep(input: ImageStepInput): StepOutcome {
  const { model, fleet, layout, topology } = input;
  const n = layout.names.length;
  const net = new FluidNetwork();
  const meter = { registry: net.addMeter(), backend: net.addMeter(), cache: net.addMeter(), peers: net.addMeter(), nodes: net.addMeter() };
  const backend = model.registry.backendReadBitsPerSecond === undefined ? [] : [net.addResource(bytesPerSecond(model.registry.backendReadBitsPerSecond), 'registry backend read')];
  const replicas = Array.from({ length: model.registry.replicas }, () => net.addResource(bytesPerSecond(model.registry.egressBitsPerSecond), 'registry egress'));
  const { spread } = input;
  const nic = Array.from({ length: n }, (_, i) => net.addResource(bytesPerSecond(model.node.nicBitsPerSecond) * spread.nic[i]!, 'node nic'));
  // Each node's disk is one device (capacity 1: all of its time); a byte written or read takes its share.
  const disk = Array.from({ length: n }, () => net.addResource(1, 'node disk'));
  const writeWeight = Float64Array.from({ length: n }, (_, i) => 1 / (model.node.diskWriteBytesPerSecond * spread.disk[i]!));
  const readWeight = Float64Array.from({ length: n }, (_, i) => 1 / (model.node.diskReadBytesPerSecond * spread.disk[i]!));
  const cpu = Array.from({ length: n }, (_, i) => net.addResource(model.node.decompressBytesPerSecond * spread.decompress[i]!, 'node decompression'));
  const requests = new RequestServers(net, spread.latency);
  const registryServers = replicas.map(() => requests.server(model.registry, 'registry requests'));
  const stream = model.node.streamBitsPerSecond === undefined ? undefined : bytesPerSecond(model.node.streamBitsPerSecond);
  const fresh = input.layers.filter((l) => !input.held.has(l.id));
  const figures = new NodeFigures(n, input.keepLayers);
  let prePulled = 0;
  for (let i = 0; i < n; i++) prePulled += input.prePulled[i]!;

  const writtenBytes = new Float64Array(n);
  const kind = TOPOLOGIES[topology];
  const fetch = kind.prepare({
    net,
    model,
    layout,
    meter,
    replicas,
    backend,
    nicIn: nic,
    disk,
    writeWeight,
    readWeight,
    stream,
    prePulled: input.prePulled,
    cached: input.cached,
    spread,
    requests,
    writtenBytes,
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

  const startNode = (node: number) => {
    figures.startSeconds[node] = net.now;
    if (input.prePulled[node] === 1 || fresh.length === 0) {
      net.at(net.now, () => {
        figures.endSeconds[node] = net.now;
        gate.nodeDone(node);
      });
      return;
    }
    let nextDownload = 0;
    let active = 0;
    let nextUnpack = 0;
    let unpacking = false;
    const downloaded = new Uint8Array(fresh.length);
    const downloadSeconds = new Float64Array(fresh.length);
    const finishNode = () => {
      figures.endSeconds[node] = net.now;
      gate.nodeDone(node);
    };
    const tryUnpack = () => {
      if (unpacking) return;
      if (nextUnpack === fresh.length) return finishNode();
      if (downloaded[nextUnpack] === 0) return;
      const k = nextUnpack;
      const layer = fresh[k]!;
      if (!fleet.node.unpack) {
        figures.layers?.[node]!.push([k, layer.compressedBytes, downloadSeconds[k]!, 0, layer.files]);
        nextUnpack++;
        return tryUnpack();
      }
      unpacking = true;
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
            figures.layers?.[node]!.push([k, layer.compressedBytes, downloadSeconds[k]!, seconds, layer.files]);
            unpacking = false;
            nextUnpack++;
            tryUnpack();
          },
        });
      if (layer.files > 0 && model.node.unpackPerFileSeconds > 0) net.at(net.now + layer.files * model.node.unpackPerFileSeconds, afterFiles);
      else afterFiles();
    };
    const pump = () => {
      while (active < fleet.node.maxConcurrentDownloads && nextDownload < fresh.length) {
        const k = nextDownload++;
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
    };
    const token = () => requests.request(registry, node, () => requests.request(registry, node, () => requests.request(registry, node, resolved)));
    net.at(net.now + spread.startDelaySeconds[node]! + model.node.manifestSeconds, token);
  };
  const gate = new RolloutGate(layout.datacentreOf, layout.datacentres.length, fleet.rollout.stages, fleet.rollout.maxConcurrent, model.rollout.concurrentDeployments, startNode);
  gate.begin();
  net.run();
  let makespan = 0;
  for (let i = 0; i < n; i++) makespan = Math.max(makespan, figures.endSeconds[i]!);
  const tiers = [{ tier: 'registry', id: meter.registry }, { tier: 'backend', id: meter.backend }, ...kind.tiers.map((tier) => ({ tier, id: meter[tier] })), { tier: 'nodes', id: meter.nodes }];
  return { topology, makespanSeconds: makespan, nodes: figures, prePulled, meters: meterOutcomes(net, tiers), events: net.events, bottleneck: bottleneckOf(net) };
}
