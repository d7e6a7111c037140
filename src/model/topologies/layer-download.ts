import { ASKED, type ChunkCopy, EndGame, SERVABLE, TRAILING, WHOLE } from './endgame.ts';
import { type ChunkSink, type LayerSwarm, OnceWaiter, type SourcePolicy, type Waiter, waitForHolder } from './layer-swarm.ts';
import { rarestFirst } from './rarest-first.ts';

/** What a node's download of one layer asks of its swarm's network. */
export interface DownloadPorts {
  /** Bytes the node wrote so far in this step (its page cache's recency for what it now holds). */
  writtenBytes(): number;
  fromPeer(u: number, j: number, sink: ChunkSink): ChunkCopy;
  /** End game: chunk j from a holder other than the node and `busy` with a free slot, if there is one. */
  duplicate(j: number, busy: number, sink: ChunkSink): ChunkCopy | undefined;
  fromOrigin(j: number, sink: ChunkSink): void;
  /** Writes `bytes` the node holds in memory (an end game's second copy) to its disk, then `done`. */
  flush(bytes: number, done: () => void): void;
  done(): void;
}

/**
 * One node fetching one layer's chunks from its swarm: at most `slots` chunk transfers in flight, each from
 * the source the policy picks; a node that finds every holder busy waits on every chunk it still wants, and
 * the first holder that frees a slot or appears for any of them wakes it.
 */
export class LayerDownload implements ChunkSink {
  private next = 0;
  private received = 0;
  /** Chunks whose transfer ended but which trail their relaying upstream by a piece: not in flight. */
  private trailingCount = 0;
  private parked = false;
  /** Per chunk: 0 until asked for, then ASKED, SERVABLE, TRAILING and WHOLE bits (endgame.ts). */
  private readonly asked: Uint8Array;
  /** Undefined when the end game is off (p2p.endgame 0, or a tree's in-order stream). */
  private readonly endGame: EndGame | undefined;

  constructor(
    private readonly swarm: LayerSwarm,
    private readonly node: number,
    private readonly policy: SourcePolicy,
    private readonly slots: number,
    /** With a seed tier, a chunk nobody holds is fetched by a seed while this node waits for it. */
    private readonly seeded: boolean,
    private readonly ports: DownloadPorts,
    endgame: number,
  ) {
    this.asked = new Uint8Array(swarm.chunkBytes.length);
    this.endGame = endgame > 0 && !policy.inOrder ? new EndGame(swarm.chunkBytes.length, endgame, this, ports) : undefined;
  }

  /** The node has chunk j's first piece: it can serve it (it relays the rest as it arrives). */
  servable(j: number): void {
    const { swarm, node } = this;
    // In the end game, the second copy's first piece changes nothing.
    if ((this.asked[j]! & SERVABLE) !== 0) return;
    this.asked[j]! |= SERVABLE;
    swarm.addHolder(j, node);
    swarm.startRelay(j, node);
    const mine = swarm.waitingFor[j]!.get(node);
    if (mine !== undefined) {
      swarm.waitingFor[j]!.delete(node);
      for (const wake of mine) wake(node);
    }
    // Only as many waiters as it can serve now: a tracker or scheduler hands a new holder to peers while it has
    // free upload slots (BitTorrent's choker unchokes a few, Dragonfly's scheduler ranks parents by free slots).
    const free = Math.min(this.slots, swarm.freeUploadSlots(node));
    if (free > 0) swarm.wake(j, free, node);
  }

  trailing(j: number): void {
    this.asked[j]! |= TRAILING;
    this.trailingCount++;
    this.pump();
  }

  whole(j: number): void {
    const { swarm, node } = this;
    const state = this.asked[j]!;
    // The other copy of an end game was whole first (a trailing first copy's relay ends later).
    if ((state & WHOLE) !== 0) return;
    if ((state & TRAILING) !== 0) this.trailingCount--;
    this.asked[j] = (state & ~TRAILING) | WHOLE;
    swarm.holdWhole(j, node, this.ports.writtenBytes());
    this.received++;
    this.endGame?.settle(j);
    if (this.received === this.asked.length) this.ports.done();
    else this.pump();
  }

  /** Starts chunks while a download slot is free and a source is; `waker` is a holder that just woke us. */
  pump(waker?: number): void {
    while (this.next - this.received - this.trailingCount < this.slots && this.next < this.asked.length) {
      if (this.policy.inOrder) {
        this.start(this.next);
        this.ask(this.next - 1, undefined);
      } else if (!this.trySlot(waker)) break;
      waker = undefined;
    }
    this.endGame?.request(this.asked.length - this.received, this.asked, this.ports);
  }

  private start(j: number): void {
    this.asked[j] = ASKED;
    this.next++;
  }

  /** In order (a tree's stream): ask the policy for chunk j, or wait as it says. */
  private ask(j: number, waker: number | undefined): void {
    const source = this.policy.pick(this.swarm, this.node, j, waker);
    if (source === 'wait')
      this.swarm.addWaiter(j, new OnceWaiter(this.node, (w) => this.ask(j, w)));
    else if (source === 'origin') this.ports.fromOrigin(j, this);
    else if (typeof source === 'number') this.ports.fromPeer(source, j, this);
    else waitForHolder(this.swarm, j, source.waitFor, (w) => this.ask(j, w));
  }

  /**
   * Any free slot: a held chunk, rarest first (as BitTorrent and Dragonfly pick pieces, from a node-specific
   * offset on ties so nodes fetch different chunks and trade them), from a holder with a free upload slot
   * (the waker's first); else a chunk nobody holds from the registry; false when every holder is busy.
   */
  private trySlot(waker: number | undefined): boolean {
    if (this.surelyNoSource(waker)) {
      this.waitWithoutSource(waker);
      return false;
    }
    const { swarm } = this;
    const order = swarm.pickOrder;
    const rarity = swarm.pickRarity;
    const count = rarestFirst(swarm, this.asked, this.node % this.asked.length, order, rarity);
    // Picking a source adds no holder: the counts rarestFirst kept still hold in this loop.
    for (let k = 0; k < count; k++) {
      const j = order[k]!;
      if (rarity[k] === 0) continue;
      const source = this.policy.pick(swarm, this.node, j, waker);
      if (typeof source === 'number') {
        this.start(j);
        const copy = this.ports.fromPeer(source, j, this);
        this.endGame?.started(j, copy);
        return true;
      }
    }
    for (let k = 0; k < count; k++) {
      const j = order[k]!;
      if (swarm.holders[j]!.length > 0 || swarm.originBusy[j] === 1) continue;
      // With a seed tier, a seed fetches it and this node waits (below) like the others.
      if (this.seeded) this.ports.fromOrigin(j, this);
      else {
        this.start(j);
        this.ports.fromOrigin(j, this);
        return true;
      }
    }
    this.park(count);
    return false;
  }

  /** Wait on the first `count` chunks of the swarm's pick order, every chunk still wanted: a new holder of any or a holder's freed slot wakes us (once). */
  private park(count: number): void {
    if (count === 0 || this.parked) return;
    this.parked = true;
    const waiter = new ParkedDownload(this.node, this);
    const order = this.swarm.pickOrder;
    for (let k = 0; k < count; k++) this.swarm.addWaiter(order[k]!, waiter);
  }

  /** A holder woke the parked download (ParkedDownload): it asks again, the waker first. */
  unpark(waker: number): void {
    this.parked = false;
    this.pump(waker);
  }

  /**
   * Would trySlot surely find no source? Every chunk still wanted has holders that are all busy (the
   * waker's slots too), or none and the registry already fetching it. Then the rarest-first order changes
   * nothing: each pick gives no source, whichever comes first.
   */
  private surelyNoSource(waker: number | undefined): boolean {
    const busy = this.policy.surelyBusy;
    if (busy === undefined) return false;
    const { swarm, asked } = this;
    for (let j = 0; j < asked.length; j++) {
      if (asked[j] !== 0) continue;
      if (swarm.holders[j]!.length === 0 ? swarm.originBusy[j] === 0 : !busy(swarm, j, waker)) return false;
    }
    return true;
  }

  /** trySlot when surelyNoSource: every chunk with holders is still picked (what a pick draws is drawn), then the node waits. */
  private waitWithoutSource(waker: number | undefined): void {
    const { swarm, asked } = this;
    const order = swarm.pickOrder;
    let count = 0;
    for (let j = 0; j < asked.length; j++) {
      if (asked[j] !== 0) continue;
      order[count++] = j;
      if (swarm.holders[j]!.length > 0 && typeof this.policy.pick(swarm, this.node, j, waker) === 'number') throw new Error(`chunk ${j}: a source was picked where surelyBusy said none would be`);
    }
    this.park(count);
  }
}

/** A parked download in its swarm's waiting lists: woken once, through whichever chunk a holder comes free for first. */
class ParkedDownload implements Waiter {
  live = true;

  constructor(
    readonly node: number,
    private readonly download: LayerDownload,
  ) {}

  wake(waker: number): boolean {
    if (!this.live) return false;
    this.live = false;
    this.download.unpark(waker);
    return true;
  }
}
