import type { ResolvedModel } from '../../scenario/model-resolved.ts';
import type { ModelLayer } from '../fleet-plan.ts';
import type { FleetLayout } from '../fleet-layout.ts';
import type { FluidNetwork } from '../fluid-network.ts';
import type { NodeSpread } from '../node-spread.ts';
import type { RequestServers } from '../request-servers.ts';

/** Meters every image step has; a topology reports the ones it names in `tiers`. */
export interface StepMeters {
  readonly registry: number;
  readonly backend: number;
  readonly cache: number;
  readonly peers: number;
  readonly nodes: number;
}

/** What a topology builds its fetches from: the step's network, its shared capacities and each node's links. */
export interface StepNetwork {
  readonly net: FluidNetwork;
  readonly model: ResolvedModel;
  readonly layout: FleetLayout;
  readonly meter: StepMeters;
  /** Registry replicas' egress and (when limited) the storage backend's read. */
  readonly replicas: readonly number[];
  readonly backend: readonly number[];
  /** Per node: download link (NIC in) and its disk, one device of capacity 1 (its time). */
  readonly nicIn: readonly number[];
  readonly disk: readonly number[];
  /** Per node: disk time per byte written and per byte read (the flows' weights on `disk`). */
  readonly writeWeight: Float64Array;
  readonly readWeight: Float64Array;
  /** Most one stream reaches, bytes per second; undefined when unlimited. */
  readonly stream: number | undefined;
  /** 1 for nodes that pulled the image before the deploy. */
  readonly prePulled: Uint8Array;
  /** Compressed bytes a node that lacks the image downloads in this step (the runtime's rules). */
  readonly downloadBytes: number;
  /** Per data centre, layer ids its cache tier holds (kept across steps). */
  readonly cached: ReadonlyArray<Set<string>>;
  readonly spread: NodeSpread;
  readonly requests: RequestServers;
  /** Per node: bytes it wrote so far in this step (blobs, then unpacked files): its page cache's recency. */
  readonly writtenBytes: Float64Array;
  /** `bytes` written on `node` besides its blobs and unpacked files (a P2P agent's own copy): its disk bytes and page cache recency. */
  wroteBesides(node: number, bytes: number): void;
  /**
   * What bytes into `node` cost besides their source: its NIC in, its disk write (twice with `writtenTwice`: a
   * P2P agent's copy beside the runtime's), its CPU (sha256); weights per byte.
   */
  ingest(node: number, writtenTwice?: boolean): { readonly resources: readonly number[]; readonly weights: readonly number[] };
  /** A chunk from the registry to seed peer `seed` of the seed tier, into its ingress `seedIn`. */
  fetchToSeed(seed: number, seedIn: number, chunk: ModelLayer, done: () => void): void;
  /**
   * A blob straight from the registry to `node`, through `extra` capacities too (a cache being filled);
   * `writtenTwice`: the node's disk writes it a second time as it arrives (a P2P agent's copy). `connections`:
   * whose connections carry the GET: the node's own (a new one's handshake, slow start: registry-client.ts), or
   * a cache tier's long-lived ones (the round trips alone: the registry's, and a redirect's).
   */
  fromRegistry(node: number, layer: ModelLayer, extra: readonly number[], meters: readonly number[], done: () => void, writtenTwice?: boolean, connections?: 'node' | 'cache'): void;
}

/** How a node gets a layer it lacks. */
export type FetchLayer = (node: number, layer: ModelLayer, done: () => void) => void;

/**
 * A way image layers reach nodes. `tiers` are the meters it reports beside registry, backend and nodes;
 * `prepare` sets up one deploy step (swarms, cache fills in flight) and returns the fetch.
 */
export interface Topology {
  readonly tiers: ReadonlyArray<'cache' | 'peers'>;
  prepare(step: StepNetwork): FetchLayer;
}
