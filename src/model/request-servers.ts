import type { RequestTier } from '../scenario/model-resolved.ts';
import type { FluidNetwork } from './fluid-network.ts';
import type { NodeRoundTrips } from './node-round-trips.ts';

/** One server of a tier: its round trip, and its request capacity as a resource in requests per second. */
export interface RequestServer {
  readonly rttSeconds: number;
  readonly perRequestSeconds: number;
  /** Undefined when a request costs the server nothing. */
  readonly resource: number | undefined;
  /** What a request's work crosses and its weight on each: the server's cores, and the harness's when it runs there (built once). */
  readonly workResources: readonly number[];
  readonly workWeights: readonly number[];
}

/**
 * HTTP requests as the model counts them: a request costs the node's round trip to the server (the tier's
 * rtt, its node-side part varied by the node's latency draw: node-round-trips.ts), then perRequestSeconds of
 * one of the server's cores. The cores are a shared capacity in requests per second, shared max-min like
 * bandwidth, so a storm of small blobs queues on requests per second while bytes per second are still free.
 * On a one-machine run (model.harness.cores) the servers' work also takes the harness's cores, which the
 * nodes' CPU work shares.
 */
export class RequestServers {
  constructor(
    private readonly net: FluidNetwork,
    private readonly roundTrips: NodeRoundTrips,
    /** The harness machine's cores (model.harness.cores) when every server runs on it too; else empty. */
    private readonly harness: readonly number[] = [],
  ) {}

  server(tier: RequestTier, kind: string): RequestServer {
    const resource = tier.perRequestSeconds > 0 ? this.net.addResource(tier.cores / tier.perRequestSeconds, kind) : undefined;
    const workResources = resource === undefined ? [] : [resource, ...this.harness];
    const workWeights = resource === undefined ? [] : [1, ...this.harness.map(() => tier.perRequestSeconds)];
    return { rttSeconds: tier.rttSeconds, perRequestSeconds: tier.perRequestSeconds, resource, workResources, workWeights };
  }

  /** `waitSeconds`: time the request costs besides its round trip and work (a new connection's handshake, slow start). */
  request(server: RequestServer, node: number, then: () => void, waitSeconds = 0): void {
    const net = this.net;
    const rtt = this.roundTrips.of(node, server.rttSeconds) + waitSeconds;
    const resource = server.resource;
    // A server whose requests cost it nothing: the round trip alone (no closure per request).
    if (resource === undefined) {
      if (rtt > 0) net.at(net.now + rtt, then);
      else then();
      return;
    }
    // One request is one unit of work; alone it takes perRequestSeconds (it runs on one core).
    const work = () =>
      net.startFlow({
        bytes: 1,
        resources: server.workResources,
        weights: server.workWeights,
        capBytesPerSecond: 1 / server.perRequestSeconds,
        capKind: 'request work',
        onDone: then,
      });
    if (rtt > 0) net.at(net.now + rtt, work);
    else work();
  }
}
