import type { ModelTopology } from '../scenario/model-resolved.ts';
import { startEagerNode } from './eager-pull.ts';
import { startLazyNode } from './lazy-pull.ts';
import { NodeCpuResources } from './node-cpu.ts';
import { NodeRoundTrips } from './node-round-trips.ts';
import type { ImageStepInput, NodeStep, StepResources } from './pull-step.ts';
import { FluidNetwork } from './fluid-network.ts';
import { podsPacedStep, stepBottleneck } from './step-bottleneck.ts';
import { ReleaseRollout } from './release-rollout.ts';
import { PrePullPhase } from './pre-pull-phase.ts';
import { prePulledNodes } from './fleet-layout.ts';
import { RolloutGate, type StepRollout } from './rollout-gate.ts';
import { meterOutcomes, NodeFigures, type StepOutcome } from './step-outcome.ts';
import { TOPOLOGIES } from './topologies/index.ts';
import type { FetchLayer } from './topologies/topology.ts';
import { RegistryClient } from './registry-client.ts';
import { RequestServers } from './request-servers.ts';
import { NicBurst } from './nic-burst.ts';
import { WriteBack } from './write-back.ts';

export type { ImageStepInput } from './pull-step.ts';

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

function stepResources(input: ImageStepInput): StepResources {
  const { model, layout, spread } = input;
  const n = layout.names.length;
  const net = new FluidNetwork();
  const meter = { registry: net.addMeter(), backend: net.addMeter(), cache: net.addMeter(), peers: net.addMeter(), nodes: net.addMeter() };
  const backend = model.registry.backendReadBitsPerSecond === undefined ? [] : [net.addResource(bytesPerSecond(model.registry.backendReadBitsPerSecond), 'registry backend read')];
  const replicas = Array.from({ length: model.registry.replicas }, () => net.addResource(bytesPerSecond(model.registry.egressBitsPerSecond), 'registry egress'));
  const nicRate = Float64Array.from({ length: n }, (_, i) => bytesPerSecond(model.node.nicBitsPerSecond) * spread.nic[i]!);
  const nic = Array.from({ length: n }, (_, i) => net.addResource(nicRate[i]!, 'node nic'));
  // Each node's disk is one device (capacity 1: all of its time); a byte written or read takes its share.
  const disk = Array.from({ length: n }, () => net.addResource(1, 'node disk'));
  const writeWeight = Float64Array.from({ length: n }, (_, i) => 1 / (model.node.diskWriteBytesPerSecond * spread.disk[i]!));
  const readWeight = Float64Array.from({ length: n }, (_, i) => 1 / (model.node.diskReadBytesPerSecond * spread.disk[i]!));
  const cpu = new NodeCpuResources(net, model, spread, n);
  const roundTrips = new NodeRoundTrips(spread.latency, model.node.spread.localRttSeconds);
  const requests = new RequestServers(net, roundTrips, cpu.harness);
  const registryServers = replicas.map(() => requests.server(model.registry, 'registry requests'));
  const stream = model.node.streamBitsPerSecond === undefined ? undefined : bytesPerSecond(model.node.streamBitsPerSecond);
  const link = nicRate.map((rate) => Math.min(rate, stream ?? Number.POSITIVE_INFINITY));
  const registryClient = new RegistryClient(requests, model.registry, roundTrips, link);
  const writeBack = new WriteBack(net, n, model.node.dirtyLimitBytes, (node) => ({ resource: disk[node]!, weight: writeWeight[node]!, bytesPerSecond: 1 / writeWeight[node]! }));
  return { net, meter, backend, replicas, nic, disk, writeWeight, readWeight, cpu, requests, registryServers, registryClient, stream, writtenBytes: new Float64Array(n), writeBack };
}

/** How a node gets a layer: the topology's fetch, given the network and a way to the registry. */
function topologyFetch(input: ImageStepInput, r: StepResources, figures: NodeFigures): FetchLayer {
  const { net, meter, backend, replicas, nic, disk, writeWeight, requests, registryServers, stream } = r;
  // Into a node: its NIC, its disk (the blob written, twice with a P2P agent's copy) and its CPU (the blob's
  // sha256 as it is written). Built once per node and way: every download into it crosses the same capacities.
  const ingests: Array<{ resources: readonly number[]; weights: readonly number[] } | undefined> = [];
  const ingest = (node: number, writtenTwice = false) => {
    const at = 2 * node + (writtenTwice ? 1 : 0);
    const known = ingests[at];
    if (known !== undefined) return known;
    const hash = r.cpu.hashing(node);
    const built = { resources: [nic[node]!, disk[node]!, ...hash.resources], weights: [1, (writtenTwice ? 2 : 1) * writeWeight[node]!, ...hash.weights] };
    ingests[at] = built;
    return built;
  };
  const burst = new NicBurst(input.layout.names.length, input.model.node.nicBurstBytes);
  // The meters of a registry download that counts in no tier besides (one list for all of them).
  const registryMeters = [meter.registry, meter.backend, meter.nodes];
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
    downloadBytes: input.work.download.reduce((sum, i) => sum + input.layers[i]!.compressedBytes, 0),
    cached: input.cached,
    spread: input.spread,
    requests,
    writtenBytes: r.writtenBytes,
    wroteBesides: (node, bytes) => {
      figures.diskBytes[node]! += bytes;
      r.writtenBytes[node]! += bytes;
    },
    ingest,
    fetchToSeed: (seed, seedIn, chunk, done) =>
      r.registryClient.blobOverKeptConnections(registryServers[seed % replicas.length]!, 0, () =>
        net.startFlow({ bytes: chunk.compressedBytes, resources: [...backend, replicas[seed % replicas.length]!, seedIn], meters: [meter.registry, meter.backend], onDone: done }),
      ),
    fromRegistry: (node, layer, extra, meters, done, writtenTwice = false, connections = 'node') => {
      const server = registryServers[node % replicas.length]!;
      const bytes = (landed: () => void) => {
        const { resources, weights } = registryFlowLists(backend, replicas[node % replicas.length]!, extra, ingest(node, writtenTwice), burst.nicWeight(node, layer.compressedBytes));
        net.startFlow({
          bytes: layer.compressedBytes,
          resources,
          weights,
          capBytesPerSecond: stream,
          meters: meters.length === 0 ? registryMeters : [meter.registry, meter.backend, ...meters, meter.nodes],
          onDone: () => {
            landed();
            done();
          },
        });
      };
      // A cache tier fills over its own long-lived connections to the registry: the round trips alone.
      if (connections === 'cache') r.registryClient.blobOverKeptConnections(server, node, () => bytes(() => undefined));
      else r.registryClient.blob(server, node, layer.compressedBytes, bytes);
    },
  });
}

/**
 * A registry download's capacities and weights, filled in place at their size (it is a direct pull's most
 * frequent flow): the registry's backend and replica, `extra`, then into the node, whose NIC weighs `nicWeight`
 * (the limiter burst's: the node spends its burst first, the NIC carries the rest).
 */
function registryFlowLists(backend: readonly number[], replica: number, extra: readonly number[], into: { readonly resources: readonly number[]; readonly weights: readonly number[] }, nicWeight: number) {
  const size = backend.length + 1 + extra.length + into.resources.length;
  const resources = new Array<number>(size);
  const weights = new Array<number>(size);
  let k = 0;
  for (const b of backend) {
    resources[k] = b;
    weights[k++] = 1;
  }
  resources[k] = replica;
  weights[k++] = 1;
  for (const e of extra) {
    resources[k] = e;
    weights[k++] = 1;
  }
  resources[k] = into.resources[0]!;
  weights[k++] = nicWeight;
  for (let i = 1; i < into.resources.length; i++, k++) {
    resources[k] = into.resources[i]!;
    weights[k] = into.weights[i]!;
  }
  return { resources, weights };
}

/** How a node pulls under each topology: eagerly (every layer, then unpack) or lazily (working set first). */
const PULLS: { readonly [K in ModelTopology]: (ctx: NodeStep, node: number) => void } = {
  direct: startEagerNode,
  cache: startEagerNode,
  p2p: startEagerNode,
  tree: startEagerNode,
  lazy: startLazyNode,
  'lazy-cache': startLazyNode,
  'lazy-p2p': startLazyNode,
  'lazy-tree': startLazyNode,
};

/**
 * One deploy step of one layer strategy, rolled out over the fleet through one topology. A node fetches
 * the layers it lacks (at most maxConcurrentDownloads at once, bottom first) and unpacks them in order,
 * one at a time, as containerd applies layers: a fixed cost per file, then the bytes through the node's
 * decompression and disk (at most diskIops files per second).
 */
export function simulateImageStep(input: ImageStepInput): StepOutcome {
  const { model, layout, topology } = input;
  const n = layout.names.length;
  const r = stepResources(input);
  const { net, meter } = r;
  const figures = new NodeFigures(n, input.keepLayers);
  let prePulled = 0;
  for (let i = 0; i < n; i++) prePulled += input.prePulled[i]!;
  const fetch = topologyFetch(input, r, figures);
  // Pulls report to the deploy's pre-pull while it runs (model.rollout.prePullFirst), then to the rollout.
  let phase: Pick<StepRollout, 'imageReady' | 'nodeDone'> | undefined;
  const ctx: NodeStep = { input, r, fetch, figures, imageReady: (node) => (phase ?? gate).imageReady(node), nodeDone: (node) => (phase ?? gate).nodeDone(node) };
  const pull = PULLS[topology];
  // A node the pre-pull left holding the image has nothing more to pull: it is done at once, its figures the pre-pull's.
  const held = new Uint8Array(n);
  const startPull = (node: number) => {
    if (held[node] === 0) return pull(ctx, node);
    net.at(net.now, () => {
      gate.imageReady(node);
      gate.nodeDone(node);
    });
  };
  const gate = stepRollout(input, net, startPull);
  const prePull = prePullPhase(input, (node) => pull(ctx, node), (node) => {
    held[node] = 1;
    gate.imageReady(node);
  }, () => {
    phase = undefined;
    gate.begin();
  });
  phase = prePull;
  prePull.begin();
  net.run();
  let makespan = gate.endSeconds;
  for (let i = 0; i < n; i++) makespan = Math.max(makespan, figures.endSeconds[i]!);
  const kind = TOPOLOGIES[topology];
  const tiers = [{ tier: 'registry', id: meter.registry }, { tier: 'backend', id: meter.backend }, ...kind.tiers.map((tier) => ({ tier, id: meter[tier] })), { tier: 'nodes', id: meter.nodes }];
  const paced = model.rollout.releases.length > 0 && podsPacedStep(figures.startSeconds, figures.endSeconds, makespan);
  const bottleneck = paced ? 'rollout concurrency' : stepBottleneck(net, gate.heldBack || prePull.heldBack);
  const timeout = model.rollout.timeoutSeconds;
  const releases = gate instanceof ReleaseRollout ? gate.releaseSeconds().map((r) => ({ ...r, pastTimeout: r.seconds > timeout })) : undefined;
  return { topology, makespanSeconds: makespan, rolloutEndSeconds: gate.endSeconds, ...(releases === undefined ? {} : { releases }), nodes: figures, prePulled, meters: meterOutcomes(net, tiers), events: net.events, bottleneck };
}

/**
 * The deploy's own pre-pull (model.rollout.prePullFirst): its share of the nodes, spread through each data centre,
 * less those that pulled the image before the deploy; none when unset.
 */
function prePullPhase(input: ImageStepInput, startPull: (node: number) => void, held: (node: number) => void, done: () => void): PrePullPhase {
  const first = input.model.rollout.prePullFirst;
  const nodes: number[] = [];
  if (first !== undefined) {
    const chosen = prePulledNodes(input.layout, first.share);
    for (let i = 0; i < chosen.length; i++) if (chosen[i] === 1 && input.prePulled[i] !== 1) nodes.push(i);
  }
  return new PrePullPhase(nodes, first?.batch ?? 1, startPull, held, done);
}

/** Pod by pod through the scenario's releases (model.rollout.releases), or node by node. */
function stepRollout(input: ImageStepInput, net: FluidNetwork, startPull: (node: number) => void): StepRollout {
  const { model, fleet, layout } = input;
  const { rollout } = model;
  if (rollout.releases.length === 0) {
    return new RolloutGate(layout.datacentreOf, layout.datacentres.length, fleet.rollout.stages, fleet.rollout.maxConcurrent, rollout.concurrentDeployments, startPull, { clock: net, waitSeconds: rollout.canaryWaitSeconds });
  }
  return new ReleaseRollout(
    {
      layout,
      stages: fleet.rollout.stages,
      maxConcurrent: fleet.rollout.maxConcurrent,
      releases: rollout.releases,
      perDatacentre: rollout.concurrentDeployments,
      containerStartSeconds: model.node.startSeconds,
      warmupSeconds: rollout.warmupSeconds,
      readinessPeriodSeconds: rollout.readinessPeriodSeconds,
      canaryWaitSeconds: rollout.canaryWaitSeconds,
    },
    net,
    startPull,
  );
}
