import { Rng } from '../../core/rng.ts';
import type { ModelLayer } from '../fleet-plan.ts';
import type { FluidNetwork } from '../fluid-network.ts';
import { LayerDownload } from './layer-download.ts';
import { PeerPorts } from './peer-ports.ts';
import { PeerTransfer } from './peer-transfer.ts';
import { layerChunks } from './layer-chunks.ts';
import { AgentCopy } from './agent-copy.ts';
import type { ChunkCopy } from './endgame.ts';
import { type ChunkSink, type ChunkSource, LayerSwarm, type SourcePolicy } from './layer-swarm.ts';
import type { FetchLayer, StepNetwork } from './topology.ts';

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/**
 * Holders a downloader's scheduler looks at for the best one (Dragonfly's scheduler filters up to 15 candidate
 * parents and ranks them by their load; Kraken's tracker hands out up to 50 peers).
 */
const CANDIDATES = 16;

/**
 * Layers moved between nodes in chunks, as P2P systems (Dragonfly, Kraken) and FaaSNet's trees do: a chunk
 * served costs the uploader its NIC upload (capped by p2p.upload) and a disk read, unless the chunk is
 * still in its page cache (written within the last model.node.pageCache bytes); a node is a source only
 * for the chunks it holds; a chunk nobody holds comes from the registry once per data centre (through a
 * seed peer when the seed tier is on). A chunk request costs a round trip between the nodes unless the node
 * has other transfers in flight (pipelined requests, chunkFromPeer). A node's P2P agent may limit what it
 * downloads over all its transfers (p2p.download), and keeps a copy of its own (agent-copy.ts).
 */
export class ChunkSwarms {
  readonly uploads: Int32Array;
  /** Per node: peer transfers in flight into it, over all its layers (waiters with fewer are woken first). */
  private readonly inFlight: Int32Array;
  /** Per node: its ingress (NIC in, or its agent's download limit when lower), bytes per second; seeds fetch from the registry, never from peers. */
  private readonly ingress: Float64Array;
  readonly rng: Rng;
  private readonly swarms: Array<Map<string, LayerSwarm>>;
  private readonly nicOut: number[];
  /**
   * Per node and seed id: what its uploads share, bytes per second (its agent's upload limit or NIC, a seed's
   * egress), and the largest of them: a pick ranks holders by what a new transfer would get.
   */
  private readonly uploadRate: Float64Array;
  private readonly fastestUpload: number;
  private readonly seedIn: number[];
  private readonly peerServer;
  /** Per node: its agent's download limit (p2p.download), as a one-resource list; empty when unlimited. */
  private readonly downloadLimit: Array<readonly number[]>;
  /** The meters every peer transfer counts towards (one array for all of them). */
  readonly peerMeters: readonly number[];
  /** Scratch of transferLists, by length. */
  private readonly lists: Array<{ resources: number[]; weights: number[] } | undefined> = [];
  readonly agent: AgentCopy;

  constructor(
    private readonly step: StepNetwork,
    /** Seed peers per data centre (ids n + dc * seeds + s): they fetch from the registry and only serve. */
    readonly seedsPerDatacentre: number,
  ) {
    const { net, model, layout, spread } = step;
    const n = layout.names.length;
    const seeds = seedsPerDatacentre * layout.datacentres.length;
    this.uploads = new Int32Array(n + seeds);
    this.inFlight = new Int32Array(n + seeds);
    // The agent's limits (p2p.download, p2p.upload) are token buckets, without a NIC's spread, but a busy host's
    // agent gets as much less done as the rest of the node (node-interference.ts): Kraken's case, its limit taken
    // as p2p.download, comes out 25% short at the p99 without that.
    const agentLimit = (limit: number, i: number) => limit / spread.slowdown[i]!;
    const download = model.p2p.downloadBitsPerSecond === undefined ? Number.POSITIVE_INFINITY : bytesPerSecond(model.p2p.downloadBitsPerSecond);
    const downloadOf = (i: number) => agentLimit(download, i);
    this.ingress = Float64Array.from({ length: n + seeds }, (_, i) => (i < n ? Math.min(downloadOf(i), bytesPerSecond(model.node.nicBitsPerSecond) * spread.nic[i]!) : Number.POSITIVE_INFINITY));
    this.downloadLimit = Array.from({ length: n }, (_, i) => (Number.isFinite(download) ? [net.addResource(downloadOf(i), 'p2p download limit')] : []));
    this.rng = Rng.derive(String(n), 'model-swarm');
    this.swarms = layout.datacentres.map(() => new Map());
    const upload = bytesPerSecond(model.p2p.uploadBitsPerSecond);
    const nic = bytesPerSecond(model.node.nicBitsPerSecond);
    // A full-duplex NIC: uploads share the node's egress, apart from its downloads' ingress.
    const seedEgress = bytesPerSecond(model.p2p.seedEgressBitsPerSecond);
    this.uploadRate = Float64Array.from({ length: n + seeds }, (_, i) => (i < n ? Math.min(agentLimit(upload, i), nic * spread.nic[i]!) : seedEgress));
    this.fastestUpload = this.uploadRate.reduce((a, b) => Math.max(a, b), 0);
    this.nicOut = Array.from({ length: n }, (_, i) => net.addResource(this.uploadRate[i]!, 'peer upload'));
    for (let s = 0; s < seeds; s++) this.nicOut.push(net.addResource(seedEgress, 'seed egress'));
    this.seedIn = Array.from({ length: seeds }, () => net.addResource(seedEgress, 'seed ingress'));
    this.peerMeters = [step.meter.peers, step.meter.nodes];
    this.agent = new AgentCopy(step);
    this.peerServer = step.requests.server({ rttSeconds: model.p2p.rttSeconds, perRequestSeconds: 0, cores: 1 }, 'peer requests');
  }

  swarmOf(dc: number, layer: ModelLayer): LayerSwarm {
    const known = this.swarms[dc]!.get(layer.id);
    if (known !== undefined) return known;
    const chunks = layerChunks(layer.compressedBytes, this.step.downloadBytes, this.step.model.p2p);
    const swarm = new LayerSwarm(layer, this.step.model.p2p.pieceBytes, chunks, this.uploads.length, this.inFlight, this.ingress, this.uploads, this.step.model.p2p.peers);
    // Nodes that pulled the image before the deploy hold every chunk, on disk (not in page cache).
    for (let i = 0; i < this.step.layout.names.length; i++) {
      if (this.step.prePulled[i] !== 1 || this.step.layout.datacentreOf[i] !== dc) continue;
      for (let j = 0; j < swarm.holders.length; j++) {
        swarm.addHolder(j, i);
        swarm.holdWhole(j, i, Number.NEGATIVE_INFINITY);
      }
    }
    this.swarms[dc]!.set(layer.id, swarm);
    return swarm;
  }

  /**
   * The best holder of `chunk` with a free upload slot among up to CANDIDATES of them (a scheduler or tracker
   * hands out peers with free upload slots), trying the waker first; 'wait' when all are busy.
   */
  anyHolder(swarm: LayerSwarm, chunk: number, waker: number | undefined): ChunkSource {
    const holders = swarm.holders[chunk]!;
    if (waker !== undefined && swarm.canServe(chunk, waker) && this.uploads[waker]! < this.step.model.p2p.peers) return waker;
    if (holders.length === 0) return swarm.originBusy[chunk] === 1 ? 'wait' : 'origin';
    const best = this.bestHolder(swarm, chunk, -1, -1, false);
    return best < 0 ? 'wait' : best;
  }

  /** Would anyHolder surely give no source for a chunk with holders: the waker cannot serve it now, and every holder's slots are busy. */
  surelyBusy(swarm: LayerSwarm, chunk: number, waker: number | undefined): boolean {
    if (waker !== undefined && swarm.canServe(chunk, waker) && this.uploads[waker]! < this.step.model.p2p.peers) return false;
    return swarm.freeHolders[chunk] === 0;
  }

  /**
   * End game: the best holder of the whole `chunk` with a free slot, neither `node` nor `busy`; -1 when
   * none. Whole, as BitTorrent peers announce only whole pieces: a holder still relaying it could be relaying
   * it from this very node.
   */
  private otherHolder(swarm: LayerSwarm, chunk: number, node: number, busy: number): number {
    return this.bestHolder(swarm, chunk, node, busy, true);
  }

  /**
   * The holder of `chunk` with a free slot where a new transfer would get the most, its upload rate over its
   * uploads plus this one, among up to CANDIDATES of them from a random start (an idle one as fast as any ends
   * the search), other than `skip` and `skipToo`, and with `wholeOnly` not one still relaying it; -1 when none.
   * By rate, not by uploads alone: a real downloader gets more of its pieces from its faster peers (Kraken's
   * pipelined requests per connection drain faster there; Dragonfly's scheduler ranks parents by load), so a
   * busy host's slow uploads mostly slow itself, not every node that asks it. Parameters rather than a
   * predicate: the swarm asks this at every free slot.
   */
  private bestHolder(swarm: LayerSwarm, chunk: number, skip: number, skipToo: number, wholeOnly: boolean): number {
    const holders = swarm.holders[chunk]!;
    const { uploads, uploadRate } = this;
    // Seeds too serve at most p2p.peers at once (Kraken origins and Dragonfly seed peers limit connections).
    const slots = this.step.model.p2p.peers;
    let best = -1;
    const held = holders.length;
    const from = held === 0 ? 0 : Math.floor(this.rng.next() * held);
    // Every holder busy: none of the candidates from any start can serve (the draw above is still taken).
    if (swarm.freeHolders[chunk] === 0) return -1;
    const candidates = Math.min(CANDIDATES, held);
    for (let k = 0, at = from; k < candidates; k++, at = at + 1 === held ? 0 : at + 1) {
      const u = holders[at]!;
      if (u === skip || u === skipToo || uploads[u]! >= slots || (wholeOnly && swarm.isRelaying(chunk, u))) continue;
      if (best < 0 || (uploads[u]! + 1) * uploadRate[best]! < (uploads[best]! + 1) * uploadRate[u]!) best = u;
      if (uploads[best] === 0 && uploadRate[best]! >= this.fastestUpload) break;
    }
    return best;
  }

  /**
   * Chunk j from peer u to `node`: its first piece (then the node can relay it: `servable`), then the rest,
   * after which the node holds it (`whole`). From a peer that is itself still relaying it, the rest cannot
   * end before that peer holds it whole plus one piece at this transfer's rate: a pipelined relay. Meanwhile
   * (`trailing`) the node's download slot is free: it asks for other chunks, as a real peer asks for other
   * pieces instead of waiting on one.
   */
  chunkFromPeer(swarm: LayerSwarm, node: number, u: number, j: number, sink: ChunkSink, duplicate = false): ChunkCopy {
    const { model } = this.step;
    const n = this.step.layout.names.length;
    if (++this.uploads[u]! === model.p2p.peers) this.holderSlots(u, -1);
    this.inFlight[node]!++;
    swarm.here[node]!++;
    // The agent keeps the first copy, written with the runtime's blob (a second copy is dropped).
    const agent = !duplicate && this.agent.alongside;
    const written = swarm.writtenAt(j, u);
    // A holder reads the chunk back from its disk (time its own writes wait for) unless it is still in page
    // cache; a peer still relaying it serves it from memory.
    const fromDisk = u < n && written !== undefined && this.step.writtenBytes[u]! - written >= model.node.pageCacheBytes;
    const bytes = swarm.chunkBytes[j]!;
    const head = Math.min(bytes, model.p2p.pieceBytes);
    const transfer = new PeerTransfer(this, swarm, j, u, node, sink, bytes, head, fromDisk, duplicate, agent);
    // Clients pipeline piece requests (Kraken's pipeline_limit, BitTorrent's request queue): behind the node's
    // other transfers in flight the round trip passes unseen; only a node with nothing coming in waits for it.
    if (this.inFlight[node]! > 1) transfer.begin();
    else this.step.requests.request(this.peerServer, node, () => transfer.begin());
    return transfer;
  }

  /**
   * The capacities a transfer from u to `node` crosses, and its weight on each: u's upload, u's disk when it reads
   * the chunk back (`fromDisk`), the node's agent's download limit, then into the node (an end game's second copy,
   * `duplicate`, crosses the network only: a client keeps a piece in memory until it is whole and verified, writes
   * the first copy of it and drops the other, as Kraken's piece writes and libtorrent's blocks do, so the node's disk
   * and hashing are charged once, on the first copy; ingest's first resource is the NIC). Filled in place in lists
   * kept per length: the flow's start reads them, never after (flow-spec.ts), so a transfer in flight holds none.
   */
  transferLists(u: number, node: number, fromDisk: boolean, duplicate: boolean, agent: boolean): { readonly resources: readonly number[]; readonly weights: readonly number[] } {
    const ingest = this.step.ingest(node, agent);
    const intoCount = duplicate ? 1 : ingest.resources.length;
    const limit = this.downloadLimit[node]!;
    const length = (fromDisk ? 2 : 1) + limit.length + intoCount;
    const lists = (this.lists[length] ??= { resources: new Array<number>(length).fill(0), weights: new Array<number>(length).fill(0) });
    const { resources, weights } = lists;
    let k = 0;
    resources[k] = this.nicOut[u]!;
    weights[k++] = 1;
    if (fromDisk) {
      resources[k] = this.step.disk[u]!;
      weights[k++] = this.step.readWeight[u]!;
    }
    if (limit.length > 0) {
      resources[k] = limit[0]!;
      weights[k++] = 1;
    }
    for (let i = 0; i < intoCount; i++, k++) {
      resources[k] = ingest.resources[i]!;
      weights[k] = ingest.weights[i]!;
    }
    return lists;
  }

  /** u's uploads reached p2p.peers (`delta` -1) or fell below it (+1): the free holder counts of its data centre's swarms. */
  private holderSlots(u: number, delta: number): void {
    const n = this.step.layout.names.length;
    const dc = u < n ? this.step.layout.datacentreOf[u]! : Math.floor((u - n) / this.seedsPerDatacentre);
    for (const swarm of this.swarms[dc]!.values()) swarm.holderSlots(u, delta);
  }

  /** Peer u's transfer to `node` ended: a free upload slot, for a waiter of a chunk it holds. */
  freeSlot(u: number, node: number, swarm: LayerSwarm): void {
    if (--this.uploads[u]! === this.step.model.p2p.peers - 1) this.holderSlots(u, 1);
    this.inFlight[node]!--;
    swarm.here[node]!--;
    // The downloader's data centre: its swarms are the uploader's.
    this.wakeFor(u, this.step.layout.datacentreOf[node]!);
  }

  get net(): FluidNetwork {
    return this.step.net;
  }

  get stream(): number | undefined {
    return this.step.stream;
  }

  /**
   * From the registry: this node goes back to source, or (seed tier) asks a seed and waits for it. The first
   * piece comes in its own range request, so the node or seed relays the chunk from then on.
   */
  chunkFromOrigin(swarm: LayerSwarm, node: number, dc: number, layer: Parameters<FetchLayer>[1], j: number, sink: ChunkSink): void {
    const n = this.step.layout.names.length;
    swarm.originBusy[j] = 1;
    const part = (bytes: number) => ({ id: `${layer.id}#${j}`, compressedBytes: bytes, uncompressedBytes: 0, files: 0 });
    if (this.seedsPerDatacentre === 0) {
      const limit = this.downloadLimit[node]!;
      const fetch = (bytes: number, done: () => void): void => {
        if (!this.agent.alongside) return this.step.fromRegistry(node, part(bytes), limit, [], done);
        const wrote = (): void => {
          this.agent.wroteTwice(node, bytes);
          done();
        };
        this.step.fromRegistry(node, part(bytes), limit, [], wrote, true);
      };
      inTwo(swarm.chunkBytes[j]!, this.step.model.p2p.pieceBytes, fetch, () => sink.servable(j), () => sink.whole(j));
      return;
    }
    const seed = n + dc * this.seedsPerDatacentre + (j % this.seedsPerDatacentre);
    const seedServable = () => {
      swarm.addHolder(j, seed);
      swarm.startRelay(j, seed);
      swarm.wake(j, Number.POSITIVE_INFINITY, seed);
    };
    const seedWhole = () => swarm.holdWhole(j, seed, Number.NEGATIVE_INFINITY);
    inTwo(swarm.chunkBytes[j]!, this.step.model.p2p.pieceBytes, (bytes, done) => this.step.fetchToSeed(seed - n, this.seedIn[seed - n]!, part(bytes), done), seedServable, seedWhole);
  }

  fetchWith(policy: SourcePolicy): FetchLayer {
    const { net, layout, model } = this.step;
    return (node, layer, done) => {
      const dc = layout.datacentreOf[node]!;
      const swarm = this.swarmOf(dc, layer);
      const ports = new PeerPorts(this, swarm, node, dc, layer, this.agent.layerDone(node, layer.compressedBytes, done));
      const download = new LayerDownload(swarm, node, policy, model.p2p.peers, this.seedsPerDatacentre > 0, ports, endgameChunks(swarm, model.p2p.pieceBytes, model.p2p.endgame));
      if (policy.joinSeconds > 0) net.at(net.now + policy.joinSeconds, () => download.pump());
      else download.pump();
    };
  }

  /** End game: chunk j from a holder other than the node and `busy`, if one has a free slot. */
  secondCopy(swarm: LayerSwarm, node: number, j: number, busy: number, sink: ChunkSink): ChunkCopy | undefined {
    const u = this.otherHolder(swarm, j, node, busy);
    return u < 0 ? undefined : this.chunkFromPeer(swarm, node, u, j, sink, true);
  }

  /** Writes `bytes` a node holds in memory to its disk: ingest less its first resource (the NIC), the disk write and the hashing, and the agent's copy of them. */
  flush(node: number, bytes: number, finished: () => void): void {
    const agent = this.agent.alongside;
    const ingest = this.step.ingest(node, agent);
    this.step.net.startFlow({
      bytes,
      resources: ingest.resources.slice(1),
      weights: ingest.weights.slice(1),
      meters: [],
      onDone: () => {
        if (agent) this.agent.wroteTwice(node, bytes);
        finished();
      },
    });
  }

  writtenBytes(node: number): number {
    return this.step.writtenBytes[node]!;
  }

  /**
   * An uploader freed a slot: the waiter with the least load (LayerSwarm.wake) among those of the first chunk
   * it holds in each layer's swarm (in its data centre) asks it, whichever layer it waits in.
   */
  private wakeFor(uploader: number, dc: number): void {
    let best: LayerSwarm | undefined;
    let bestChunk = -1;
    let bestLoad = Number.POSITIVE_INFINITY;
    let ties = 0;
    for (const swarm of this.swarms[dc]!.values()) {
      if (swarm.waiterEntries === 0) continue;
      // The first chunk with waiters it can serve; on to the next when that one's entries are all dead.
      for (let j = swarm.firstWaitingServedBy(uploader, 0); j >= 0; j = swarm.firstWaitingServedBy(uploader, j + 1)) {
        const load = swarm.leastWaitingLoad(j);
        if (load === Number.POSITIVE_INFINITY) continue;
        if (load < bestLoad) {
          best = swarm;
          bestChunk = j;
          bestLoad = load;
          ties = 1;
        } else if (load === bestLoad && this.rng.next() * ++ties < 1) {
          // Equal loads in two layers: either, at random (reservoir), as an agent's egress serves every torrent's connections.
          best = swarm;
          bestChunk = j;
        }
        break;
      }
    }
    // Wakes the waiter leastWaitingLoad found, as wake(bestChunk, 1) would: no second scan of its list.
    best?.wakeChosen(bestChunk, uploader);
  }
}

/**
 * p2p.endgame counts pieces left (Kraken's unit); a chunk is a run of pieces, so the end game starts at the
 * chunks left that hold that many pieces, at least the last chunk (0: off).
 */
function endgameChunks(swarm: LayerSwarm, pieceBytes: number, pieces: number): number {
  return pieces === 0 ? 0 : Math.ceil(pieces / Math.ceil(swarm.chunkBytes[0]! / pieceBytes));
}

/** A chunk of `bytes` fetched as its first piece, then the rest: `servable` after the first, `whole` at the end. */
function inTwo(bytes: number, pieceBytes: number, fetch: (bytes: number, done: () => void) => void, servable: () => void, whole: () => void): void {
  const head = Math.min(bytes, pieceBytes);
  fetch(head, () => {
    servable();
    if (head === bytes) whole();
    else fetch(bytes - head, whole);
  });
}
