/**
 * How many chunks a layer moves in between peers: its share by compressed size of the step's chunks
 * (p2p.stepChunks), at least one, at most p2p.chunks (LayerSwarm also caps it at the layer's pieces).
 *
 * Why by the step and not per layer: a chunk is what a node asks one source for, so chunks set how finely a
 * node's pull spreads over its sources and how far its last transfer can trail the swarm; what matters is a
 * chunk's share of all the node pulls in the step, not of one layer. A fixed count for the step keeps that share
 * whatever the number of layers: a 10-layer 6 GiB image over 1,000 or 10,000 nodes moves in 64 chunks instead
 * of 320, at a sixth to an eighth of the CPU and within 4% of every figure (bench/fleet-model.ts), while an image
 * of one layer, or of two about equal, keeps p2p.chunks per layer (the published P2P results bench/validation.ts
 * reproduces are of one or two layers, and come out unchanged).
 */
export function layerChunks(layerBytes: number, stepDownloadBytes: number, p2p: { readonly chunks: number; readonly stepChunks: number }): number {
  // A step that downloads nothing (a node that holds the image still fetches nothing): the per-layer cap.
  if (stepDownloadBytes <= 0) return p2p.chunks;
  return Math.max(1, Math.min(p2p.chunks, Math.round((p2p.stepChunks * layerBytes) / stepDownloadBytes)));
}
