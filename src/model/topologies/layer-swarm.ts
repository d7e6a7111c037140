import type { ModelLayer } from '../fleet-plan.ts';

/**
 * Who serves a chunk: a node or seed id, 'origin' (fetch it from the registry), 'wait' (ask again when a
 * holder frees a slot or a new one appears), or wait for one given node to hold it (a tree's parent).
 */
export type ChunkSource = number | 'origin' | 'wait' | { readonly waitFor: number };

/** Live waiters of a chunk a freed slot ranks by load: the first ones in line (a bound on the cost per slot). */
const WAITERS_RANKED = 64;

/** One layer in one data centre: which node holds which chunk, and who waits for one. */
export class LayerSwarm {
  readonly chunkBytes: number[];
  readonly holders: number[][];
  /**
   * Per chunk: its holders with a free upload slot. A source is picked among a few holders from a random
   * start; when this is 0 none can be picked, whatever the start, and the pick need not look.
   */
  readonly freeHolders: Int32Array;
  readonly originBusy: Uint8Array;
  /** Per chunk: downloaders waiting for a holder with a free slot (a parked node waits on every chunk it wants). */
  readonly waiting: Array<Waiter[]>;
  readonly waitingFor: Array<Map<number, Array<(waker: number) => void>>>;
  /** Node and seed ids run below this (the size of the per-holder tables). */
  private readonly ids: number;
  /**
   * Per chunk and id (j * ids + u): when u wrote chunk j whole, in its node's bytes written (page cache
   * test); -Infinity when cold, NaN while it does not hold it whole. Tables, not maps: a chunk ends up
   * held by every node, and a map's growth and deletes were the swarm's largest cost.
   */
  private readonly written: Float64Array;
  /** Per chunk and id: 1 while u holds the chunk's first piece but not all of it (it relays from memory). */
  private readonly relayFlags: Uint8Array;
  /** Per chunk and id, only where something waits: what waits for a relaying u to hold the chunk whole. */
  private readonly downstream = new Map<number, Array<() => void>>();
  /** Per node id: peer transfers of this layer in flight into it. */
  readonly here: Int32Array;
  /** Per chunk: entries of `waiting` before this index are swept (dead, or stale copies); none is live. */
  private readonly heads: Int32Array;
  /** Entries in all `waiting` lists from their heads on, live or not: a freed upload slot skips a swarm nobody waits in. */
  waiterEntries = 0;
  /** 32-bit words per chunk bit set (below). */
  private readonly words: number;
  /** Bit j: chunk j's list has entries from its head on (perhaps dead), so a freed slot finds its chunk by bits. */
  private readonly waitBits: Uint32Array;
  /** Per id (u * words), bit j: u can serve chunk j (canServe; once it can, it always can). */
  private readonly servableBits: Uint32Array;
  /** The waiter the last leastWaitingLoad found, and its chunk: what wake(j, 1) would wake while nothing changed. */
  private chosen: Waiter | undefined = undefined;
  private chosenChunk = -1;
  private chosenLooked = 0;
  /** Scratch of wake: where the live waiters it ranks stand in the list, and their loads. */
  private rankedAt = new Int32Array(WAITERS_RANKED + 3);
  private rankedLoad = new Float64Array(WAITERS_RANKED + 3);
  /**
   * Scratch of a download's pick of chunks (LayerDownload.trySlot): the chunks it still wants, rarest first, and
   * each one's holder count. One pick runs at a time and nothing it calls picks again, so the swarm's downloads
   * share it instead of holding two typed arrays each (at 10,000 nodes, 100,000 of them).
   */
  readonly pickOrder: Int32Array;
  readonly pickRarity: Int32Array;

  /**
   * A layer in at most `maxChunks` chunks, each a run of whole pieces. A node serves a chunk once it holds
   * its first piece and relays the rest as it arrives (as Kraken, Dragonfly and BitTorrent relay pieces),
   * so a chunk costs one flow per transfer (its first piece a milestone of it), not one per piece.
   */
  constructor(
    layer: ModelLayer,
    pieceBytes: number,
    maxChunks: number,
    ids: number,
    /** Per node id: peer transfers in flight into it, over all its layers (shared by a step's swarms). */
    private readonly inFlight: Int32Array,
    /** Per node id: its ingress, bytes per second. */
    private readonly ingress: Float64Array,
    /** Per id: its uploads in flight (shared by a step's swarms), and how many it may have at once. */
    private readonly uploads: Int32Array = new Int32Array(ids),
    private readonly uploadSlots = Number.POSITIVE_INFINITY,
  ) {
    this.here = new Int32Array(ids);
    const pieces = Math.max(1, Math.ceil(layer.compressedBytes / pieceBytes));
    const chunks = Math.min(maxChunks, pieces);
    const base = Math.floor(pieces / chunks);
    this.chunkBytes = Array.from({ length: chunks }, (_, j) => {
      const first = j * base + Math.min(j, pieces % chunks);
      const count = base + (j < pieces % chunks ? 1 : 0);
      return Math.min(layer.compressedBytes, (first + count) * pieceBytes) - Math.min(layer.compressedBytes, first * pieceBytes);
    });
    this.holders = this.chunkBytes.map(() => []);
    this.freeHolders = new Int32Array(chunks);
    this.originBusy = new Uint8Array(chunks);
    this.waiting = this.chunkBytes.map(() => []);
    this.heads = new Int32Array(chunks);
    this.waitingFor = this.chunkBytes.map(() => new Map());
    this.ids = ids;
    this.written = new Float64Array(chunks * ids).fill(Number.NaN);
    this.relayFlags = new Uint8Array(chunks * ids);
    this.words = (chunks + 31) >>> 5;
    this.waitBits = new Uint32Array(this.words);
    this.servableBits = new Uint32Array(ids * this.words);
    this.pickOrder = new Int32Array(chunks);
    this.pickRarity = new Int32Array(chunks);
  }

  /** u holds chunk j's first piece (or all of it): it is a source from now on. */
  addHolder(j: number, u: number): void {
    this.holders[j]!.push(u);
    if (this.uploads[u]! < this.uploadSlots) this.freeHolders[j]!++;
  }

  /** Upload slots u has free now (Infinity when uploads are not limited). */
  freeUploadSlots(u: number): number {
    return this.uploadSlots - this.uploads[u]!;
  }

  /** u's last free upload slot was taken (`delta` -1) or one came free (+1): every chunk it holds counts it. */
  holderSlots(u: number, delta: number): void {
    const { words, servableBits, freeHolders } = this;
    for (let w = 0; w < words; w++) {
      for (let bits = servableBits[u * words + w]!; bits !== 0; bits &= bits - 1) freeHolders[(w << 5) + 31 - Math.clz32(bits & -bits)]! += delta;
    }
  }

  /** `waiter` waits for a holder of chunk j with a free slot. */
  addWaiter(j: number, waiter: Waiter): void {
    this.waiting[j]!.push(waiter);
    this.waiterEntries++;
    this.waitBits[j >>> 5]! |= 1 << (j & 31);
  }

  /**
   * The first chunk from `from` on that someone (perhaps a dead entry) waits for and u can serve, -1 when
   * none: a word of 32 chunks at a time.
   */
  firstWaitingServedBy(u: number, from: number): number {
    const { words, waitBits, servableBits } = this;
    const base = u * words;
    for (let w = from >>> 5; w < words; w++) {
      let bits = waitBits[w]! & servableBits[base + w]!;
      if (w === from >>> 5) bits &= -1 << (from & 31);
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits & -bits);
    }
    return -1;
  }

  /** The nodes waiting for chunk j, in line (live entries only). */
  waitingNodes(j: number): number[] {
    return this.waiting[j]!.slice(this.heads[j]).filter((w) => w.live).map((w) => w.node);
  }

  /**
   * Wakes up to `count` live waiters of chunk j (those there now, not those they add); returns how many woke.
   * Among the first WAITERS_RANKED live ones in line, the least loaded (fewest transfers in flight into the
   * node) goes first. In Kraken an uploader has no upload slots: it serves every peer that asks, and a
   * downloader already at its ingress limit reads slower (conn.go's readPayload waits on the ingress token
   * bucket, and TCP then slows the sender), so the uploader's bandwidth goes to the downloaders with room. A
   * slot in the model holds its share whether its downloader can take it or not, so a free slot goes where
   * there is room.
   */
  wake(j: number, count: number, waker: number): number {
    const list = this.waiting[j]!;
    // Waking them all (a new seed), or as many as there are: no choice to make, in line.
    if (count >= list.length - this.heads[j]!) return this.wakeInLine(j, count, waker);
    // Waking one changes no other waiter's load (only the woken node's transfers), so one pass collects the
    // first WAITERS_RANKED + count - 1 live waiters and their loads, and the k-th pick (the least loaded
    // among the first WAITERS_RANKED not yet woken, as a scan from the head would find) looks k - 1 further.
    const { collected, looked } = this.rankWaiters(j, WAITERS_RANKED + count - 1);
    let woke = 0;
    for (let pick = 0; pick < count; pick++) {
      const at = this.leastRanked(Math.min(collected, WAITERS_RANKED + pick));
      if (at < 0) break;
      // Taken: its load is Infinity to the picks after it.
      this.rankedLoad[at] = Number.POSITIVE_INFINITY;
      if (list[this.rankedAt[at]!]!.wake(waker)) woke++;
    }
    this.sweep(j, looked);
    return woke;
  }

  /**
   * Chunk j's first `want` live waiters from its head, in line: where each stands in the list (rankedAt) and its
   * load (rankedLoad). Returns how many there were and where the scan stopped (the end of what a sweep may tidy).
   */
  private rankWaiters(j: number, want: number): { collected: number; looked: number } {
    if (this.rankedAt.length < want) {
      this.rankedAt = new Int32Array(want);
      this.rankedLoad = new Float64Array(want);
    }
    const list = this.waiting[j]!;
    const there = list.length;
    let collected = 0;
    let i = this.heads[j]!;
    for (; i < there && collected < want; i++) {
      const w = list[i]!;
      if (!w.live) continue;
      this.rankedAt[collected] = i;
      this.rankedLoad[collected++] = this.load(w.node);
    }
    return { collected, looked: i };
  }

  /** Among the first `window` ranked waiters, the least loaded (the first of equals: only a lower load displaces it); -1 when none. */
  private leastRanked(window: number): number {
    let at = -1;
    let atLoad = Number.POSITIVE_INFINITY;
    for (let k = 0; k < window; k++) {
      if (this.rankedLoad[k]! >= atLoad) continue;
      at = k;
      atLoad = this.rankedLoad[k]!;
    }
    return at;
  }

  /** Wakes up to `count` live waiters of chunk j in line (those there now); returns how many woke. */
  private wakeInLine(j: number, count: number, waker: number): number {
    const list = this.waiting[j]!;
    const there = list.length;
    let woke = 0;
    let from = this.heads[j]!;
    let looked = from;
    while (woke < count) {
      const best = this.firstLive(list, from, there);
      looked = Math.max(looked, best.looked);
      if (best.at < 0) break;
      from = best.at + 1;
      // Woken, it is a dead entry here (swept below); entries it adds by parking again go to the end.
      if (list[best.at]!.wake(waker)) woke++;
    }
    this.sweep(j, looked);
    return woke;
  }

  /**
   * How loaded a waiting node is: its peer transfers in flight over all its layers, plus one (the one it
   * asks for), per byte per second of its ingress, so the lowest load is the node where a new transfer
   * gets the largest share; this layer's transfers count a little more, so a node's layers share its
   * room instead of the first taking all of it.
   */
  private load(node: number): number {
    return (this.inFlight[node]! + 1 + this.here[node]! / 1024) / this.ingress[node]!;
  }

  /** The least load among chunk j's first WAITERS_RANKED live waiters (Infinity when none). */
  leastWaitingLoad(j: number): number {
    const list = this.waiting[j]!;
    const { collected, looked } = this.rankWaiters(j, WAITERS_RANKED);
    const at = this.leastRanked(collected);
    this.chosen = at < 0 ? undefined : list[this.rankedAt[at]!];
    this.chosenChunk = j;
    const before = list.length;
    this.sweep(j, looked);
    // The swept live entries now end at `looked` (less what the sweep dropped from the front): where a
    // second scan of the same waiters would stop.
    this.chosenLooked = looked - (before - list.length);
    return this.chosen === undefined ? Number.POSITIVE_INFINITY : this.load(this.chosen.node);
  }

  /**
   * Wakes the waiter the last leastWaitingLoad(j) found, exactly as wake(j, 1, waker) would while no waiter,
   * load or list changed since: a freed slot compares the layers' least loads, then wakes the best without
   * ranking its waiters again. The sweep is wake's too: how many dead entries stay behind the head decides
   * whether a later wake ranks or goes in line, so it must be the same.
   */
  wakeChosen(j: number, waker: number): void {
    const chosen = this.chosen;
    if (chosen === undefined || this.chosenChunk !== j) throw new Error(`wakeChosen(${j}): no waiter was chosen for chunk ${j}`);
    this.chosen = undefined;
    chosen.wake(waker);
    this.sweep(j, this.chosenLooked);
  }

  /**
   * Moves the dead entries of chunk j's list before `end` behind its head (the live ones keep their order),
   * and drops the entries behind the head once they are half the list: no pass over the whole list per wake.
   */
  private sweep(j: number, end: number): void {
    const list = this.waiting[j]!;
    const head = this.heads[j]!;
    let to = end;
    for (let i = end - 1; i >= head; i--) if (list[i]!.live) list[--to] = list[i]!;
    this.waiterEntries -= to - head;
    if (to >= 64 && 2 * to >= list.length) {
      list.splice(0, to);
      this.heads[j] = 0;
    } else if (to === list.length) {
      list.length = 0;
      this.heads[j] = 0;
    } else this.heads[j] = to;
    if (list.length === this.heads[j]) this.waitBits[j >>> 5]! &= ~(1 << (j & 31));
  }

  private firstLive(list: readonly Waiter[], from: number, to: number): { at: number; looked: number } {
    for (let i = from; i < to; i++) if (list[i]!.live) return { at: i, looked: i + 1 };
    return { at: -1, looked: to };
  }

  /** Can node (or seed) u serve chunk j: it holds it whole, or its first piece and relays the rest. */
  canServe(j: number, u: number): boolean {
    return ((this.servableBits[u * this.words + (j >>> 5)]! >>> (j & 31)) & 1) === 1;
  }

  private markServable(j: number, u: number): void {
    this.servableBits[u * this.words + (j >>> 5)]! |= 1 << (j & 31);
  }

  /** When u wrote chunk j whole (its bytes written then; -Infinity when cold), or undefined while it does not hold it. */
  writtenAt(j: number, u: number): number | undefined {
    const at = this.written[j * this.ids + u]!;
    return Number.isNaN(at) ? undefined : at;
  }

  /** u has chunk j's first piece: it relays the rest as it arrives. */
  startRelay(j: number, u: number): void {
    this.relayFlags[j * this.ids + u] = 1;
    this.markServable(j, u);
  }

  isRelaying(j: number, u: number): boolean {
    return this.relayFlags[j * this.ids + u] === 1;
  }

  /** `release` runs when the relaying u holds chunk j whole. */
  afterRelay(j: number, u: number, release: () => void): void {
    const k = j * this.ids + u;
    const list = this.downstream.get(k);
    if (list === undefined) this.downstream.set(k, [release]);
    else list.push(release);
  }

  /** u holds chunk j whole, written at `writtenAt`: it stops relaying, and what waited for that runs. */
  holdWhole(j: number, u: number, writtenAt: number): void {
    const k = j * this.ids + u;
    this.written[k] = writtenAt;
    this.markServable(j, u);
    if (this.relayFlags[k] === 0) return;
    this.relayFlags[k] = 0;
    const waiting = this.downstream.get(k);
    if (waiting === undefined) return;
    this.downstream.delete(k);
    for (const release of waiting) release();
  }
}

/** How one kind of swarm picks the source of a chunk (P2P: any holder with a free slot; tree: the parent). */
export interface SourcePolicy {
  /** Called once per node and layer before its first chunk; returns the delay (scheduler round trip). */
  readonly joinSeconds: number;
  /** Chunks in layer order (a stream from a tree parent) instead of rarest first. */
  readonly inOrder: boolean;
  pick(swarm: LayerSwarm, node: number, chunk: number, waker: number | undefined): ChunkSource;
  /**
   * True only when pick would surely give no source for a chunk that has holders (every holder's upload
   * slots busy, the waker's too); pick is still called then, for whatever it draws. Unset: always pick.
   */
  readonly surelyBusy?: (swarm: LayerSwarm, chunk: number, waker: number | undefined) => boolean;
}

/** A downloader waiting for a source (a parked node waits in the list of every chunk it wants). */
export interface Waiter {
  /** The waiting node: the fewer transfers it has in flight, the sooner it is woken. */
  readonly node: number;
  /** False once it was woken through another chunk (its entries elsewhere are then dead). */
  readonly live: boolean;
  /** Wakes it with `waker`, a holder with a free slot; false when it was no longer live. */
  wake(waker: number): boolean;
}

/** A waiter that wakes once, calling `then` with the waker; its entries in other lists are dead from then on. */
export class OnceWaiter implements Waiter {
  live = true;

  constructor(
    readonly node: number,
    private readonly then: (waker: number) => void,
  ) {}

  wake(waker: number): boolean {
    if (!this.live) return false;
    this.live = false;
    this.then(waker);
    return true;
  }
}

/** What a node does as a chunk arrives: it can relay it, its transfer ended but trails its upstream, it holds it. */
export interface ChunkSink {
  servable(j: number): void;
  trailing(j: number): void;
  whole(j: number, trailed?: boolean): void;
}

/** `wake` runs when `holder` can serve chunk j. */
export function waitForHolder(swarm: LayerSwarm, j: number, holder: number, wake: (waker: number) => void): void {
  const list = swarm.waitingFor[j]!.get(holder);
  if (list === undefined) swarm.waitingFor[j]!.set(holder, [wake]);
  else list.push(wake);
}
