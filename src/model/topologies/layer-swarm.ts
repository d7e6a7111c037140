import type { ModelLayer } from '../fleet-plan.ts';

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
  /** Entries in all `waiting` lists, live or not: a freed upload slot skips a swarm nobody waits in. */
  waiterEntries = 0;

  /**
   * A layer in at most `maxChunks` chunks, each a run of whole pieces. A node serves a chunk once it holds
   * its first piece and relays the rest as it arrives (as Kraken, Dragonfly and BitTorrent relay pieces),
   * so a chunk costs one flow per transfer (its first piece a milestone of it), not one per piece.
   */
  constructor(layer: ModelLayer, pieceBytes: number, maxChunks: number, ids: number) {
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
    this.ids = ids;
    this.written = new Float64Array(chunks * ids).fill(Number.NaN);
    this.relayFlags = new Uint8Array(chunks * ids);
  }

  /** `waiter` waits for a holder of chunk j with a free slot. */
  addWaiter(j: number, waiter: Waiter): void {
    this.waiting[j]!.push(waiter);
    this.waiterEntries++;
  }

  /** Wakes up to `count` live waiters of chunk j (see wakeSome); returns how many woke. */
  wake(j: number, count: number, waker: number): number {
    const list = this.waiting[j]!;
    const there = list.length;
    let i = 0;
    let woke = 0;
    while (woke < count && i < there) if (list[i++]!(waker)) woke++;
    list.splice(0, i);
    this.waiterEntries -= i;
    return woke;
  }

  /** Can node (or seed) u serve chunk j: it holds it whole, or its first piece and relays the rest. */
  canServe(j: number, u: number): boolean {
    const k = j * this.ids + u;
    return this.relayFlags[k] === 1 || !Number.isNaN(this.written[k]!);
  }

  /** When u wrote chunk j whole (its bytes written then; -Infinity when cold), or undefined while it does not hold it. */
  writtenAt(j: number, u: number): number | undefined {
    const at = this.written[j * this.ids + u]!;
    return Number.isNaN(at) ? undefined : at;
  }

  /** u has chunk j's first piece: it relays the rest as it arrives. */
  startRelay(j: number, u: number): void {
    this.relayFlags[j * this.ids + u] = 1;
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
}

/** A downloader waiting for a source; false when it was already woken through another chunk. */
export type Waiter = (waker: number) => boolean;

/** Wakes up to `count` live waiters of `list` (those there now, not those they add) and drops them. */
export function wakeSome(list: Waiter[], count: number, waker: number): number {
  const there = list.length;
  let i = 0;
  let woke = 0;
  while (woke < count && i < there) if (list[i++]!(waker)) woke++;
  list.splice(0, i);
  return woke;
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

/**
 * Chunks not yet asked for, rarest first, into `order` (returns how many); ties from a node-specific `offset`,
 * so nodes fetch different chunks. A stable insertion sort into the caller's scratch: asked on every free
 * download slot, it makes no array.
 */
export function rarestFirst(swarm: LayerSwarm, asked: Uint8Array, offset: number, order: Int32Array): number {
  const chunks = asked.length;
  const holders = swarm.holders;
  let count = 0;
  for (let k = 0; k < chunks; k++) {
    const j = (offset + k) % chunks;
    if (asked[j] !== 0) continue;
    const rarity = holders[j]!.length;
    let i = count++;
    for (; i > 0 && holders[order[i - 1]!]!.length > rarity; i--) order[i] = order[i - 1]!;
    order[i] = j;
  }
  return count;
}
