import type { ModelLayer } from '../fleet-plan.ts';
import type { ChunkCopy } from './endgame.ts';
import type { DownloadPorts } from './layer-download.ts';
import type { ChunkSink, LayerSwarm } from './layer-swarm.ts';

/** The swarms' side of a node's download (chunk-swarm.ts's ChunkSwarms): where its chunks come from, and its disk. */
export interface PeerSource {
  chunkFromPeer(swarm: LayerSwarm, node: number, u: number, j: number, sink: ChunkSink): ChunkCopy;
  /** End game: chunk j from a holder other than the node and `busy`, if one has a free slot. */
  secondCopy(swarm: LayerSwarm, node: number, j: number, busy: number, sink: ChunkSink): ChunkCopy | undefined;
  chunkFromOrigin(swarm: LayerSwarm, node: number, dc: number, layer: ModelLayer, j: number, sink: ChunkSink): void;
  flush(node: number, bytes: number, finished: () => void): void;
  writtenBytes(node: number): number;
}

/**
 * What a node's download of one layer asks of the swarms (LayerDownload's ports): one object per download with
 * methods, not seven closures (at 10,000 nodes a download each per node and layer, live for the whole layer).
 */
export class PeerPorts implements DownloadPorts {
  constructor(
    private readonly swarms: PeerSource,
    private readonly swarm: LayerSwarm,
    private readonly node: number,
    private readonly dc: number,
    private readonly layer: ModelLayer,
    readonly done: () => void,
  ) {}

  writtenBytes(): number {
    return this.swarms.writtenBytes(this.node);
  }

  fromPeer(u: number, j: number, sink: ChunkSink): ChunkCopy {
    return this.swarms.chunkFromPeer(this.swarm, this.node, u, j, sink);
  }

  duplicate(j: number, busy: number, sink: ChunkSink): ChunkCopy | undefined {
    return this.swarms.secondCopy(this.swarm, this.node, j, busy, sink);
  }

  fromOrigin(j: number, sink: ChunkSink): void {
    this.swarms.chunkFromOrigin(this.swarm, this.node, this.dc, this.layer, j, sink);
  }

  flush(bytes: number, done: () => void): void {
    this.swarms.flush(this.node, bytes, done);
  }
}
