/**
 * A rate limiter's burst (model.node.nicBurst): a token bucket that filled while the node was idle lets its
 * first bytes through at once, so a backport's few kilobytes do not pay the limited rate. Each node starts a
 * step with a full bucket (steps are apart by at least the rollout's rest) and spends it on its first
 * registry downloads; what the bucket covers crosses the NIC at no cost (weight 0 on the NIC for that share).
 * Refill during the step is left out: while a download runs the bucket is empty, and between downloads the
 * gaps are requests of milliseconds.
 */
export class NicBurst {
  private readonly credit: Float64Array;

  constructor(nodes: number, burstBytes: number) {
    this.credit = new Float64Array(nodes).fill(burstBytes);
  }

  /** The NIC weight per byte of a download of `bytes` into `node`, after spending what is left of its bucket. */
  nicWeight(node: number, bytes: number): number {
    const free = Math.min(this.credit[node]!, bytes);
    if (free <= 0 || bytes <= 0) return 1;
    this.credit[node]! -= free;
    return (bytes - free) / bytes;
  }
}
