import type { FlowHandle, FlowSpec, FluidNetwork } from '../fluid-network.ts';
import type { AgentCopy } from './agent-copy.ts';
import type { ChunkCopy } from './endgame.ts';
import type { ChunkSink, LayerSwarm } from './layer-swarm.ts';

/** What a transfer tells the swarms it belongs to (chunk-swarm.ts's ChunkSwarms): its end, and its agent's copy. */
export interface TransferOwner {
  readonly agent: AgentCopy;
  /** Peer u's transfer to `node` ended: a free upload slot. */
  freeSlot(u: number, node: number, swarm: LayerSwarm, dc: number): void;
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
  readonly milestoneBytes: number | undefined;

  constructor(
    private readonly swarms: TransferOwner,
    private readonly net: FluidNetwork,
    private readonly swarm: LayerSwarm,
    private readonly dc: number,
    private readonly j: number,
    private readonly u: number,
    private readonly node: number,
    private readonly sink: ChunkSink,
    readonly bytes: number,
    /** The first piece: once it is in, the node can relay the chunk. */
    private readonly head: number,
    readonly resources: readonly number[],
    readonly weights: readonly number[],
    readonly capBytesPerSecond: number | undefined,
    readonly meters: readonly number[],
    /** The node's P2P agent writes a copy of the chunk as it arrives (p2p.agentCopy alongside): its bytes count as written on the node. */
    private readonly agentCopy: boolean,
  ) {
    this.milestoneBytes = head < bytes ? head : undefined;
  }

  begin(): void {
    if (!this.over) this.flow = this.net.startFlow(this);
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
    this.swarms.freeSlot(this.u, this.node, this.swarm, this.dc);
  }

  onMilestone(): void {
    this.sink.servable(this.j);
    this.started = this.net.now;
  }

  onDone(): void {
    const { net, sink, j, head, swarm, u } = this;
    this.over = true;
    if (this.agentCopy) this.swarms.agent.wroteTwice(this.node, this.bytes);
    this.swarms.freeSlot(u, this.node, swarm, this.dc);
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
