import type { FlowHandle, FlowSpec, FluidNetwork } from '../fluid-network.ts';
import type { AgentCopy } from './agent-copy.ts';
import type { ChunkCopy } from './endgame.ts';
import type { ChunkSink, LayerSwarm } from './layer-swarm.ts';

/**
 * The swarms a transfer belongs to (chunk-swarm.ts's ChunkSwarms): what every transfer shares (its network, a
 * stream's ceiling, the meters it counts in, the agent's copy), and where it reports its end.
 */
export interface TransferOwner {
  readonly net: FluidNetwork;
  /** A TCP stream's ceiling, bytes per second (model.node.stream), if any. */
  readonly stream: number | undefined;
  readonly peerMeters: readonly number[];
  readonly agent: AgentCopy;
  /** The capacities a transfer from u to `node` crosses and its weights, in lists the flow's start reads (chunk-swarm.ts). */
  transferLists(u: number, node: number, fromDisk: boolean, duplicate: boolean, agent: boolean): { readonly resources: readonly number[]; readonly weights: readonly number[] };
  /** Peer u's transfer to `node` ended: a free upload slot. */
  freeSlot(u: number, node: number, swarm: LayerSwarm): void;
}

/**
 * One chunk from peer u to a node, after the request's round trip (`begin`): one flow, whose first piece is
 * its milestone (the node can relay the chunk from then on). The transfer is the flow's spec, its callbacks
 * methods: one object per transfer, not a spec, closures and arrays.
 */
export class PeerTransfer implements FlowSpec, ChunkCopy {
  private started = 0;
  /** Its onDone ran, or it was cancelled (end game: the other copy was whole first). */
  private over = false;
  private flow: FlowHandle | undefined = undefined;
  /** Its capacities and weights while its flow starts (the only time they are read): lists of the owner's, let go after. */
  private lists: { readonly resources: readonly number[]; readonly weights: readonly number[] } | undefined = undefined;

  // What every transfer shares is the owner's, not a field of each: at 10,000 nodes the transfers in flight are
  // most of what survives a scavenge.
  constructor(
    private readonly swarms: TransferOwner,
    private readonly swarm: LayerSwarm,
    private readonly j: number,
    private readonly u: number,
    private readonly node: number,
    private readonly sink: ChunkSink,
    readonly bytes: number,
    /** The first piece: once it is in, the node can relay the chunk. */
    private readonly head: number,
    /** u reads the chunk back from its disk (it is out of u's page cache). */
    private readonly fromDisk: boolean,
    /** An end game's second copy: it crosses the network only. */
    private readonly duplicate: boolean,
    /** The node's P2P agent writes a copy of the chunk as it arrives (p2p.agentCopy alongside): its bytes count as written on the node. */
    private readonly agentCopy: boolean,
  ) {}

  get resources(): readonly number[] {
    return this.lists!.resources;
  }

  get weights(): readonly number[] {
    return this.lists!.weights;
  }

  get net(): FluidNetwork {
    return this.swarms.net;
  }

  get capBytesPerSecond(): number | undefined {
    return this.swarms.stream;
  }

  get meters(): readonly number[] {
    return this.swarms.peerMeters;
  }

  /** The first piece, unless it is the whole chunk. */
  get milestoneBytes(): number | undefined {
    return this.head < this.bytes ? this.head : undefined;
  }

  begin(): void {
    if (this.over) return;
    // Filled once, as the flow starts: a transfer in flight holds no lists of its own.
    this.lists = this.swarms.transferLists(this.u, this.node, this.fromDisk, this.duplicate, this.agentCopy);
    this.flow = this.net.startFlow(this);
    this.lists = undefined;
  }

  get uploader(): number {
    return this.u;
  }

  unmovedBytes(): number {
    return this.flow === undefined ? this.bytes : this.net.bytesLeft(this.flow);
  }

  cancel(): void {
    if (this.over) return;
    this.over = true;
    // What it moved is in the agent's copy; the end game writes the rest from the other copy (flush).
    if (this.agentCopy) this.swarms.agent.wroteTwice(this.node, this.bytes - this.unmovedBytes());
    if (this.flow !== undefined) this.net.cancelFlow(this.flow);
    this.swarms.freeSlot(this.u, this.node, this.swarm);
  }

  onMilestone(): void {
    this.sink.servable(this.j);
    this.started = this.net.now;
  }

  onDone(): void {
    const { net, sink, j, head, swarm, u } = this;
    this.over = true;
    if (this.agentCopy) this.swarms.agent.wroteTwice(this.node, this.bytes);
    this.swarms.freeSlot(u, this.node, swarm);
    // A chunk of one piece: servable and whole together.
    if (this.milestoneBytes === undefined) {
      sink.servable(j);
      sink.whole(j);
      return;
    }
    // One piece behind the upstream: at this transfer's own rate, after the upstream has it all.
    const lag = (head * (net.now - this.started)) / (this.bytes - head);
    if (!swarm.isRelaying(j, u)) sink.whole(j);
    else {
      sink.trailing(j);
      swarm.afterRelay(j, u, () => net.at(net.now + lag, () => sink.whole(j, true)));
    }
  }
}
