/** What a request got from a node's pool of connections to one host. */
export const NEW_CONNECTION = 0;
/** An idle connection that has not carried a blob yet: its congestion window is still the initial one. */
export const COLD_CONNECTION = 1;
/** An idle connection that carried a blob: it sends at speed from the start. */
export const WARM_CONNECTION = 2;
export type ConnectionKind = typeof NEW_CONNECTION | typeof COLD_CONNECTION | typeof WARM_CONNECTION;

/**
 * Each node's HTTP connections to one host (the registry, or the blob store its redirects point at), kept as
 * Go's transport keeps them for containerd: a request takes an idle connection when there is one, else opens
 * a new one, whose handshake (TCP, then TLS) costs round trips before the request. TCP grows a connection's
 * congestion window only with the data it carries, so one that carried only small answers (a challenge, a
 * manifest, a redirect) starts its first blob from the server's initial window, as a new one does
 * (slowStartSeconds); once it carried a blob it is warm. Blobs take warm connections first, small requests
 * cold ones, so a node's warm connections go to its blobs.
 */
export class HostConnections {
  private readonly warmIdle: Int32Array;
  private readonly coldIdle: Int32Array;

  constructor(nodes: number) {
    this.warmIdle = new Int32Array(nodes);
    this.coldIdle = new Int32Array(nodes);
  }

  /** A connection for the node's next request on this host; give it back with release(). */
  take(node: number, forBlob: boolean): ConnectionKind {
    const { warmIdle, coldIdle } = this;
    if (forBlob && warmIdle[node]! > 0) {
      warmIdle[node]!--;
      return WARM_CONNECTION;
    }
    if (coldIdle[node]! > 0) {
      coldIdle[node]!--;
      return COLD_CONNECTION;
    }
    if (warmIdle[node]! > 0) {
      warmIdle[node]!--;
      return WARM_CONNECTION;
    }
    return NEW_CONNECTION;
  }

  /** The request is answered: its connection is idle again, warm if it was or if it carried a blob. */
  release(node: number, warm: boolean): void {
    (warm ? this.warmIdle : this.coldIdle)[node]!++;
  }
}

/**
 * Time TCP slow start adds to a transfer of `bytes` that the fluid model would start at its rate at once: the
 * window starts at `initialWindowBytes` and doubles every round trip until one round trip carries the rate
 * (the bandwidth-delay product). A transfer within that product takes log2(bytes / window + 1) round trips
 * (the request's own round trip is the first of them, and the model counts it already); a larger one pays
 * the ramp to the product and then runs at the rate. The rate is the one the connection could reach alone
 * (the node's link or a stream's ceiling): where its fair share is lower, the real ramp is shorter, so this
 * is the most slow start can cost. 0 when the window starts wide open (0 bytes) or the round trip is 0.
 */
export function slowStartSeconds(bytes: number, rttSeconds: number, rateBytesPerSecond: number, initialWindowBytes: number): number {
  if (initialWindowBytes <= 0 || rttSeconds <= 0 || bytes <= 0) return 0;
  const ramped = Math.min(bytes, rateBytesPerSecond * rttSeconds);
  const rounds = Math.log2(ramped / initialWindowBytes + 1);
  return Math.max(0, (rounds - 1) * rttSeconds - ramped / rateBytesPerSecond);
}
