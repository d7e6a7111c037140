import { Rng } from '../../core/rng.ts';
import type { ModelLayer } from '../fleet-plan.ts';
import type { FetchLayer, StepNetwork } from './topology.ts';

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/** Random holders a downloader asks before it waits for a free upload slot (power of d choices). */
const PROBES = 4;

/**
 * Who serves a chunk: a node or seed id, 'origin' (fetch it from the registry), 'wait' (ask again when a
 * holder frees a slot or a new one appears), or wait for one given node to hold it (a tree's parent).
 */
export type ChunkSource = number | 'origin' | 'wait' | { readonly waitFor: number };

/** One layer in one data centre: which node holds which chunk, and who waits for one. */
export class LayerSwarm {
  readonly chunkBytes: number[];
  readonly holders: number[][];
  readonly originBusy: Uint8Array;
  readonly waiting: Array<Array<(waker: number) => void>>;
  readonly waitingFor: Array<Map<number, Array<(waker: number) => void>>>;
  /** Per chunk: when each holder wrote it, in its node's bytes written (page cache test); -Infinity when cold. */
  readonly writtenAt: Array<Map<number, number>>;

  /**
   * A layer in at most `maxChunks` chunks, each a run of whole pieces. A node serves a chunk only once it
   * holds all of it, so pipelining through the swarm is as fine as one chunk; more chunks are finer but cost
   * flows (events) per node and layer.
   */
  constructor(layer: ModelLayer, pieceBytes: number, maxChunks: number) {
    const pieces = Math.max(1, Math.ceil(layer.compressedBytes / pieceBytes));
    const chunks = Math.min(maxChunks, pieces);
    const base = Math.floor(pieces / chunks);
    this.chunkBytes = Array.from({ length: chunks }, (_, j) => {
      const first = j * base + Math.min(j, pieces % chunks);
      const count = base + (j < pieces % chunks ? 1 : 0);
      return Math.min(layer.compressedBytes, (first + count) * pieceBytes) - Math.min(layer.compressedBytes, first * pieceBytes);
    });
    this.holders = this.chunkBytes.map(() => []);
    this.originBusy = new Uint8Array(chunks);
    this.waiting = this.chunkBytes.map(() => []);
    this.waitingFor = this.chunkBytes.map(() => new Map());
    this.writtenAt = this.chunkBytes.map(() => new Map());
  }
}

/** How one kind of swarm picks the source of a chunk (P2P: any holder with a free slot; tree: the parent). */
export interface SourcePolicy {
  /** Called once per node and layer before its first chunk; returns the delay (scheduler round trip). */
  readonly joinSeconds: number;
  /** Chunks in layer order (a stream from a tree parent) instead of rarest first. */
  readonly inOrder: boolean;
  pick(swarm: LayerSwarm, node: number, chunk: number, waker: number | undefined): ChunkSource;
}

/**
 * Layers moved between nodes in chunks, as P2P systems (Dragonfly, Kraken) and FaaSNet's trees do: a chunk
 * served costs the uploader its NIC upload (capped by p2p.upload) and a disk read, unless the chunk is
 * still in its page cache (written within the last model.node.pageCache bytes); a node is a source only
 * for the chunks it holds; a chunk nobody holds comes from the registry once per data centre (through a
 * seed peer when the seed tier is on). Every chunk request costs a round trip between the nodes.
 */
export class ChunkSwarms {
  readonly uploads: Int32Array;
  readonly rng: Rng;
  private readonly swarms: Array<Map<string, LayerSwarm>>;
  private readonly nicOut: number[];
  private readonly seedIn: number[];
  private readonly peerServer;

  constructor(
    private readonly step: StepNetwork,
    /** Seed peers per data centre (ids n + dc * seeds + s): they fetch from the registry and only serve. */
    readonly seedsPerDatacentre: number,
  ) {
    const { net, model, layout, spread } = step;
    const n = layout.names.length;
    const seeds = seedsPerDatacentre * layout.datacentres.length;
    this.uploads = new Int32Array(n + seeds);
    this.rng = Rng.derive(String(n), 'model-swarm');
    this.swarms = layout.datacentres.map(() => new Map());
    const upload = bytesPerSecond(model.p2p.uploadBitsPerSecond);
    const nic = bytesPerSecond(model.node.nicBitsPerSecond);
    // A full-duplex NIC: uploads share the node's egress, apart from its downloads' ingress.
    this.nicOut = Array.from({ length: n }, (_, i) => net.addResource(Math.min(upload, nic * spread.nic[i]!), 'peer upload'));
    const seedEgress = bytesPerSecond(model.p2p.seedEgressBitsPerSecond);
    for (let s = 0; s < seeds; s++) this.nicOut.push(net.addResource(seedEgress, 'seed egress'));
    this.seedIn = Array.from({ length: seeds }, () => net.addResource(seedEgress, 'seed ingress'));
    this.peerServer = step.requests.server({ rttSeconds: model.p2p.rttSeconds, perRequestSeconds: 0, cores: 1 }, 'peer requests');
  }

  swarmOf(dc: number, layer: ModelLayer): LayerSwarm {
    const known = this.swarms[dc]!.get(layer.id);
    if (known !== undefined) return known;
    const swarm = new LayerSwarm(layer, this.step.model.p2p.pieceBytes, this.step.model.p2p.chunks);
    // Nodes that pulled the image before the deploy hold every chunk, on disk (not in page cache).
    for (let i = 0; i < this.step.layout.names.length; i++) {
      if (this.step.prePulled[i] !== 1 || this.step.layout.datacentreOf[i] !== dc) continue;
      swarm.holders.forEach((h, j) => {
        h.push(i);
        swarm.writtenAt[j]!.set(i, Number.NEGATIVE_INFINITY);
      });
    }
    this.swarms[dc]!.set(layer.id, swarm);
    return swarm;
  }

  /** Any holder of `chunk` with a free upload slot, trying the waker first; 'wait' when all asked are busy. */
  anyHolder(swarm: LayerSwarm, chunk: number, waker: number | undefined): ChunkSource {
    const holders = swarm.holders[chunk]!;
    // Seeds too serve at most p2p.peers at once (Kraken origins and Dragonfly seed peers limit connections).
    const free = (u: number) => this.uploads[u]! < this.step.model.p2p.peers;
    if (waker !== undefined && swarm.writtenAt[chunk]!.has(waker) && free(waker)) return waker;
    if (holders.length === 0) return swarm.originBusy[chunk] === 1 ? 'wait' : 'origin';
    let best = -1;
    for (let k = 0; k < Math.min(PROBES, holders.length); k++) {
      const u = holders[Math.floor(this.rng.next() * holders.length)]!;
      if (free(u) && (best < 0 || this.uploads[u]! < this.uploads[best]!)) best = u;
    }
    return best < 0 ? 'wait' : best;
  }

  /** Chunk j from peer u to `node`, then `holds(j)`. */
  private chunkFromPeer(swarm: LayerSwarm, node: number, dc: number, u: number, j: number, holds: (j: number) => void): void {
    const { net, meter, model } = this.step;
    const n = this.step.layout.names.length;
    this.uploads[u]!++;
    const bytes = swarm.chunkBytes[j]!;
    const resources = [this.nicOut[u]!];
    const weights = [1];
    const written = swarm.writtenAt[j]!.get(u);
    // A holder reads the chunk back from its disk (time its own writes wait for) unless it is still in page cache.
    if (u < n && (written === undefined || this.step.writtenBytes[u]! - written >= model.node.pageCacheBytes)) {
      resources.push(this.step.disk[u]!);
      weights.push(this.step.readWeight[u]!);
    }
    this.step.requests.request(this.peerServer, node, () =>
      net.startFlow({
        bytes,
        resources: [...resources, ...this.step.ingest(node).resources],
        weights: [...weights, ...this.step.ingest(node).weights],
        capBytesPerSecond: this.step.stream,
        meters: [meter.peers, meter.nodes],
        onDone: () => {
          this.uploads[u]!--;
          this.wakeFor(u, dc);
          holds(j);
        },
      }),
    );
  }

  /** From the registry: this node goes back to source, or (seed tier) asks a seed and waits for it. */
  private chunkFromOrigin(swarm: LayerSwarm, node: number, dc: number, layer: Parameters<FetchLayer>[1], j: number, holds: (j: number) => void): void {
    const n = this.step.layout.names.length;
    swarm.originBusy[j] = 1;
    const chunk = { id: `${layer.id}#${j}`, compressedBytes: swarm.chunkBytes[j]!, uncompressedBytes: 0, files: 0 };
    if (this.seedsPerDatacentre === 0) {
      this.step.fromRegistry(node, chunk, [], [], () => holds(j));
      return;
    }
    const seed = n + dc * this.seedsPerDatacentre + (j % this.seedsPerDatacentre);
    this.step.fetchToSeed(seed - n, this.seedIn[seed - n]!, chunk, () => {
      swarm.holders[j]!.push(seed);
      swarm.writtenAt[j]!.set(seed, Number.NEGATIVE_INFINITY);
      for (const wake of swarm.waiting[j]!.splice(0)) wake(seed);
    });
  }

  fetchWith(policy: SourcePolicy): FetchLayer {
    const { net, layout, model } = this.step;
    return (node, layer, done) => {
      const dc = layout.datacentreOf[node]!;
      const swarm = this.swarmOf(dc, layer);
      const chunks = swarm.chunkBytes.length;
      let next = 0;
      let received = 0;
      const holds = (j: number) => {
        swarm.holders[j]!.push(node);
        swarm.writtenAt[j]!.set(node, this.step.writtenBytes[node]!);
        const mine = swarm.waitingFor[j]!.get(node);
        if (mine !== undefined) {
          swarm.waitingFor[j]!.delete(node);
          for (const wake of mine) wake(node);
        }
        for (const wake of swarm.waiting[j]!.splice(0, model.p2p.peers)) wake(node);
        if (++received === chunks) done();
        else pumpChunks();
      };
      const fromPeer = (u: number, j: number) => this.chunkFromPeer(swarm, node, dc, u, j, holds);
      const fromOrigin = (j: number) => this.chunkFromOrigin(swarm, node, dc, layer, j, holds);
      const asked = new Uint8Array(chunks);
      const start = (j: number) => {
        asked[j] = 1;
        next++;
      };
      // In order (a tree's stream): ask the policy for chunk `next`, or wait as it says.
      const ask = (j: number, waker: number | undefined) => {
        const source = policy.pick(swarm, node, j, waker);
        if (source === 'wait') swarm.waiting[j]!.push((w) => ask(j, w));
        else if (source === 'origin') fromOrigin(j);
        else if (typeof source === 'number') fromPeer(source, j);
        else waitForHolder(swarm, j, source.waitFor, (w) => ask(j, w));
      };
      // Rarest first among chunks some peer holds (as BitTorrent and Dragonfly pick pieces), from a
      // node-specific offset on ties, so nodes fetch different chunks and trade them.
      const order = () => rarestFirst(swarm, asked, node % chunks);
      // Any free slot: a held chunk from a holder with a free upload slot (the waker's first), else a chunk
      // nobody holds from the registry; false when every candidate's holders are busy.
      const trySlot = (waker: number | undefined): boolean => {
        const js = order();
        for (const j of js) {
          if (swarm.holders[j]!.length === 0) continue;
          const source = policy.pick(swarm, node, j, waker);
          if (typeof source === 'number') {
            start(j);
            fromPeer(source, j);
            return true;
          }
        }
        for (const j of js) {
          if (swarm.holders[j]!.length > 0 || swarm.originBusy[j] === 1) continue;
          // With a seed tier, a seed fetches it and this node waits (below) like the others.
          if (this.seedsPerDatacentre > 0) fromOrigin(j);
          else {
            start(j);
            fromOrigin(j);
            return true;
          }
        }
        // Wait on the rarest chunk still wanted: a new holder of it or a holder's freed slot wakes us.
        const j = js.find((c) => swarm.holders[c]!.length > 0) ?? js[0];
        if (j !== undefined && !parked) {
          parked = true;
          swarm.waiting[j]!.push((w) => {
            parked = false;
            pumpChunks(w);
          });
        }
        return false;
      };
      let parked = false;
      const pumpChunks = (waker?: number) => {
        while (next - received < model.p2p.peers && next < chunks) {
          if (policy.inOrder) {
            start(next);
            ask(next - 1, undefined);
          } else if (!trySlot(waker)) return;
          waker = undefined;
        }
      };
      if (policy.joinSeconds > 0) net.at(net.now + policy.joinSeconds, pumpChunks);
      else pumpChunks();
    };
  }

  /** An uploader freed a slot: let a waiter of a chunk it holds (in its data centre) ask it. */
  private wakeFor(uploader: number, dc: number): void {
    for (const swarm of this.swarms[dc]!.values()) {
      for (let j = 0; j < swarm.waiting.length; j++) {
        const list = swarm.waiting[j]!;
        if (list.length > 0 && swarm.writtenAt[j]!.has(uploader)) {
          list.shift()!(uploader);
          return;
        }
      }
    }
  }
}

/** `wake` runs when `holder` has chunk j. */
function waitForHolder(swarm: LayerSwarm, j: number, holder: number, wake: (waker: number) => void): void {
  const list = swarm.waitingFor[j]!.get(holder);
  if (list === undefined) swarm.waitingFor[j]!.set(holder, [wake]);
  else list.push(wake);
}

/** Chunks not yet asked for, rarest first; ties from a node-specific `offset`, so nodes fetch different chunks. */
function rarestFirst(swarm: LayerSwarm, asked: Uint8Array, offset: number): number[] {
  const chunks = asked.length;
  const js: number[] = [];
  for (let k = 0; k < chunks; k++) if (asked[(offset + k) % chunks] === 0) js.push((offset + k) % chunks);
  return js.sort((a, b) => swarm.holders[a]!.length - swarm.holders[b]!.length);
}
