/**
 * A node's round trip to a server: the path's round trip, with the node's own part of it varying by the
 * node's latency draw (model.node.spread.latency). The node's part is its stack, its host's load and its data
 * centre's fabric, at most model.node.spread.localRtt of the round trip; the rest of a longer one (a registry
 * in another region, across an ocean) is a path every node of the fleet shares, the same for each of them.
 * Spegel's baseline shows it: of 50 nodes pulling 10 MB from ghcr.io 90 ms away most took 1.13 to 1.35 s,
 * where a draw multiplying the whole round trip spread the model's from a median of 0.75 s to 1.52 s.
 */
export class NodeRoundTrips {
  constructor(
    /** Per node: its latency draw, mean 1. */
    private readonly latency: Float64Array,
    /** The part of a round trip the draw varies (Infinity: all of it). */
    private readonly localRttSeconds: number,
  ) {}

  get nodes(): number {
    return this.latency.length;
  }

  /** `node`'s round trip over a path of `rttSeconds`: the path's, its own part (up to localRtt) times its draw. */
  of(node: number, rttSeconds: number): number {
    const draw = this.latency[node]!;
    // Within the node's part, all of it varies (the product, to the last bit as a draw times the round trip).
    return rttSeconds <= this.localRttSeconds ? rttSeconds * draw : rttSeconds + (draw - 1) * this.localRttSeconds;
  }
}
