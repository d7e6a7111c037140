import type { ChunkSink } from './layer-swarm.ts';

/** One transfer of a chunk from a peer, which the end game may cancel. */
export interface ChunkCopy {
  readonly uploader: number;
  /** Bytes of the chunk this copy has not moved yet (all of them before its flow starts). */
  unmovedBytes(): number;
  /** Ends the transfer without its callbacks and frees the uploader's slot; nothing once it has ended. */
  cancel(): void;
}

/** A chunk's state in a download's table (LayerDownload.asked): bits, 0 while not asked for. */
export const ASKED = 1;
export const SERVABLE = 2;
export const TRAILING = 4;
export const WHOLE = 8;

/**
 * BitTorrent's end game for one node's download of one layer: once it lacks at most `threshold` chunks (what
 * p2p.endgame's pieces come to: chunk-swarm.ts), it asks one more holder (not the one already sending) for
 * each chunk it still lacks, and when either copy is whole cancels the other, freeing its uploader's slot.
 * Real clients do this so one slow peer does not hold back a download's last pieces: BitTorrent clients once
 * every piece left is requested, Kraken at
 * `endgame_threshold` pieces left (default its pipeline limit, 3: uber/kraken
 * lib/torrent/scheduler/dispatch/config.go; the dispatcher's endgame() lets a piece be reserved with several
 * peers). A chunk from the registry has no second copy (its fetch cannot be cancelled).
 */
export class EndGame implements ChunkSink {
  private readonly first: Array<ChunkCopy | undefined>;
  private readonly second: Array<ChunkCopy | undefined>;

  constructor(
    chunks: number,
    private readonly threshold: number,
    private readonly download: ChunkSink,
    /** Writes bytes a second copy holds in memory to the node's disk (its hashing too), then `done`. */
    private readonly disk: { flush(bytes: number, done: () => void): void },
  ) {
    this.first = new Array<ChunkCopy | undefined>(chunks).fill(undefined);
    this.second = new Array<ChunkCopy | undefined>(chunks).fill(undefined);
  }

  /** A second copy's first piece: as the first copy's would be (the end game is its sink: no closures per download). */
  servable(j: number): void {
    this.download.servable(j);
  }

  /** A second copy's trailing counts nothing. */
  trailing(): void {}

  /**
   * A second copy is whole. It crossed the network only (chunk-swarm.ts): the first is cancelled, and what the
   * first had not written yet is written from memory before the chunk counts as whole.
   */
  whole(j: number): void {
    const first = this.first[j];
    const unwritten = first?.unmovedBytes() ?? 0;
    first?.cancel();
    if (unwritten > 0) this.disk.flush(unwritten, () => this.download.whole(j));
    else this.download.whole(j);
  }

  started(j: number, copy: ChunkCopy): void {
    this.first[j] = copy;
  }

  /** With at most `threshold` chunks left, asks a second holder for each chunk left that has one copy from a peer. */
  request(left: number, state: Uint8Array, ports: { duplicate(j: number, busy: number, sink: ChunkSink): ChunkCopy | undefined }): void {
    if (left > this.threshold) return;
    for (let j = 0; j < state.length; j++) {
      const first = this.first[j];
      if (first === undefined || this.second[j] !== undefined || (state[j]! & WHOLE) !== 0) continue;
      this.second[j] = ports.duplicate(j, first.uploader, this);
    }
  }

  /** The download holds chunk j whole, from either copy: the other is cancelled (the one that delivered has ended: a no-op). */
  settle(j: number): void {
    const first = this.first[j];
    const second = this.second[j];
    this.first[j] = undefined;
    this.second[j] = undefined;
    first?.cancel();
    second?.cancel();
  }
}
