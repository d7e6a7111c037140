import type { ModelTopology, ResolvedModel } from '../scenario/model-resolved.ts';
import type { LayerPullWork } from '../scenario/runtime-pull-rules.ts';
import type { FleetLayout } from './fleet-layout.ts';
import type { ModelLayer } from './fleet-plan.ts';
import type { FluidNetwork } from './fluid-network.ts';
import type { ModelFleet } from './model-fleet.ts';
import type { NodeCpuResources } from './node-cpu.ts';
import type { NodeSpread } from './node-spread.ts';
import type { RegistryClient } from './registry-client.ts';
import type { RequestServers } from './request-servers.ts';
import type { NodeFigures } from './step-outcome.ts';
import type { FetchLayer } from './topologies/topology.ts';
import type { WriteBack } from './write-back.ts';

export interface ImageStepInput {
  readonly model: ResolvedModel;
  readonly fleet: ModelFleet;
  readonly layout: FleetLayout;
  readonly topology: ModelTopology;
  /** Every layer of the step's image, bottom first. */
  readonly layers: readonly ModelLayer[];
  /** What a node that lacks the image downloads and unpacks (indexes into `layers`), by its runtime's rules. */
  readonly work: LayerPullWork;
  /** 1 for nodes that pulled this image before the deploy. */
  readonly prePulled: Uint8Array;
  /** Per data centre, layer ids its cache tier holds; grows as fills complete (kept across steps). */
  readonly cached: ReadonlyArray<Set<string>>;
  readonly keepLayers: boolean;
  /** How each node differs from the mean one. */
  readonly spread: NodeSpread;
}

/** The step's flow network: every resource a pull or an unpack shares, created in a fixed order (ids are part of the result). */
export interface StepResources {
  readonly net: FluidNetwork;
  readonly meter: { registry: number; backend: number; cache: number; peers: number; nodes: number };
  readonly backend: number[];
  readonly replicas: number[];
  readonly nic: number[];
  readonly disk: number[];
  readonly writeWeight: Float64Array;
  readonly readWeight: Float64Array;
  readonly cpu: NodeCpuResources;
  readonly requests: RequestServers;
  readonly registryServers: ReturnType<RequestServers['server']>[];
  /** The nodes' own connections and requests to the registry (and its blob store). */
  readonly registryClient: RegistryClient;
  readonly stream: number | undefined;
  readonly writtenBytes: Float64Array;
  /** Unpacked files' writes: page cache first, the node's disk behind them (write-back.ts). */
  readonly writeBack: WriteBack;
}

/** What every node's pull in one step shares. */
export interface NodeStep {
  readonly input: ImageStepInput;
  readonly r: StepResources;
  readonly fetch: FetchLayer;
  readonly figures: NodeFigures;
  /** The node holds what its containers need (the rollout's pods on it may start). */
  readonly imageReady: (node: number) => void;
  readonly nodeDone: (node: number) => void;
}

/** A node with nothing to pull (it pulled the image before, or holds every layer): done at once. */
export function nothingToPull(ctx: NodeStep, node: number): boolean {
  const { work, prePulled } = ctx.input;
  if (prePulled[node] !== 1 && (work.download.length > 0 || (ctx.input.fleet.node.unpack && work.unpack.length > 0))) return false;
  const net = ctx.r.net;
  net.at(net.now, () => {
    ctx.figures.endSeconds[node] = net.now;
    ctx.figures.runningSeconds[node] = net.now;
    ctx.imageReady(node);
    ctx.nodeDone(node);
  });
  return true;
}

/**
 * Before any layer: the node's start delay, its own work before the requests (model.node.manifest), then
 * the manifest and config requests one after another (registry-client.ts), with a token first where the
 * registry wants one. That work varies from node to node as its round trips do (spread.latency, which
 * --calibrate measures on the whole time to manifest).
 */
export function resolveImage(ctx: NodeStep, node: number, then: () => void): void {
  const { net, registryClient, registryServers, replicas } = ctx.r;
  const { model, spread } = ctx.input;
  const { figures } = ctx;
  figures.deployed[node] = 1;
  const registry = registryServers[node % replicas.length]!;
  const resolved = () => {
    figures.manifestSeconds[node] = net.now - figures.startSeconds[node]! - spread.startDelaySeconds[node]!;
    then();
  };
  const ask = () => registryClient.resolve(registry, node, resolved);
  net.at(net.now + spread.startDelaySeconds[node]! + model.node.manifestSeconds * spread.latency[node]!, ask);
}

/** The container starts model.node.start after `now`: its running time (time-to-start). */
export function startContainer(ctx: NodeStep, node: number): void {
  ctx.figures.runningSeconds[node] = ctx.r.net.now + ctx.input.model.node.startSeconds;
  ctx.imageReady(node);
}

/** The pull is complete (every byte in, every layer unpacked): the node's end, and the rollout moves on. */
export function pullComplete(ctx: NodeStep, node: number): void {
  ctx.figures.endSeconds[node] = ctx.r.net.now;
  ctx.nodeDone(node);
}

/** `fetch` for layers `ks` (at most `parallel` at once, in order); `each(k)` as each lands, `all()` after the last. */
export function fetchLayers(ctx: NodeStep, node: number, ks: readonly number[], part: (k: number) => ModelLayer, each: (k: number, seconds: number) => void, all: () => void): void {
  const parallel = ctx.input.fleet.node.maxConcurrentDownloads;
  let next = 0;
  let active = 0;
  let left = ks.length;
  if (left === 0) return all();
  const pump = () => {
    while (active < parallel && next < ks.length) {
      const k = ks[next++]!;
      const layer = part(k);
      const began = ctx.r.net.now;
      active++;
      const landed = () => {
        active--;
        left--;
        each(k, ctx.r.net.now - began);
        if (left === 0) all();
        else pump();
      };
      // The blob's commit (containerd: fsync, then rename into the content store) holds its download slot.
      const commit = ctx.input.model.node.blobCommitSeconds;
      ctx.fetch(node, layer, commit > 0 ? () => ctx.r.net.at(ctx.r.net.now + commit, landed) : landed);
    }
  };
  pump();
}
