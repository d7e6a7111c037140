import type { RegistryAuth, ResolvedModel } from '../scenario/model-resolved.ts';
import { type ConnectionKind, HostConnections, NEW_CONNECTION, slowStartSeconds, WARM_CONNECTION } from './registry-connections.ts';
import type { NodeRoundTrips } from './node-round-trips.ts';
import type { RequestServer, RequestServers } from './request-servers.ts';

/**
 * Requests a node makes before its first layer, as containerd's resolver and fetcher make them: HEAD of the
 * tag's manifest, GET of the manifest, GET of the config; with token auth the first HEAD gets a 401
 * challenge, and the client fetches a bearer token and asks again (two more).
 */
export function requestsBeforeLayers(auth: RegistryAuth): number {
  return auth === 'token' ? 5 : 3;
}

/**
 * How a node talks to the registry itself (not through a cache tier): every request on one of its own
 * connections (registry-connections.ts), a new one paying the handshake's round trips; blob GETs redirected
 * to the blob store when the registry does that, on the node's connections to the store; and a blob's bytes
 * after the slow start of a connection that has not carried a blob yet. Every round trip is the node's
 * (node-round-trips.ts: the path's, and the node's own part of it).
 */
export class RegistryClient {
  private readonly api: HostConnections;
  private readonly store: HostConnections;
  private readonly storeServer: RequestServer | undefined;

  constructor(
    private readonly requests: RequestServers,
    private readonly registry: ResolvedModel['registry'],
    private readonly roundTrips: NodeRoundTrips,
    /** Per node: the most one of its downloads reaches alone (its link, or a stream's ceiling), bytes per second. */
    private readonly linkBytesPerSecond: Float64Array,
  ) {
    const nodes = roundTrips.nodes;
    this.api = new HostConnections(nodes);
    this.store = new HostConnections(nodes);
    const redirect = registry.redirectRttSeconds;
    this.storeServer = redirect === undefined ? undefined : requests.server({ rttSeconds: redirect, perRequestSeconds: 0, cores: 1 }, 'blob store requests');
  }

  /** The requests before the node's first layer, one after another on one connection; then `then`. */
  resolve(server: RequestServer, node: number, then: () => void): void {
    const kind = this.api.take(node, false);
    let wait = this.connectSeconds(kind, this.registry.rttSeconds, node);
    let left = requestsBeforeLayers(this.registry.auth);
    const next = (): void => {
      if (left === 0) {
        this.api.release(node, kind === WARM_CONNECTION);
        return this.configFromStore(node, then);
      }
      left--;
      const handshake = wait;
      wait = 0;
      this.requests.request(server, node, next, handshake);
    };
    next();
  }

  /**
   * A blob of `bytes` to the node: its GET (and the store's, when redirected), then `flow(landed)` starts its
   * bytes, which call `landed` when they are in (the connection is idle again).
   */
  blob(server: RequestServer, node: number, bytes: number, flow: (landed: () => void) => void): void {
    const storeServer = this.storeServer;
    if (storeServer === undefined) return this.blobFrom(this.api, server, this.registry.rttSeconds, node, bytes, flow);
    const kind = this.api.take(node, false);
    const redirected = (): void => {
      this.api.release(node, kind === WARM_CONNECTION);
      this.blobFrom(this.store, storeServer, this.registry.redirectRttSeconds!, node, bytes, flow);
    };
    this.requests.request(server, node, redirected, this.connectSeconds(kind, this.registry.rttSeconds, node));
  }

  /** The blob's GET on one of the node's connections to `host` (a new one's handshake, a cold one's slow start), then its bytes; the connection is warm after. */
  private blobFrom(host: HostConnections, server: RequestServer, rttSeconds: number, node: number, bytes: number, flow: (landed: () => void) => void): void {
    const kind = host.take(node, true);
    const wait = this.connectSeconds(kind, rttSeconds, node) + this.rampSeconds(kind, bytes, rttSeconds, node);
    this.requests.request(server, node, () => flow(() => host.release(node, true)), wait);
  }

  /**
   * A blob GET over someone's long-lived connections (a cache tier filling, a seed peer): the round trips
   * alone, the registry's and, when it redirects, the store's; then `flow()` starts the bytes.
   */
  blobOverKeptConnections(server: RequestServer, node: number, flow: () => void): void {
    const storeServer = this.storeServer;
    if (storeServer === undefined) return this.requests.request(server, node, flow);
    this.requests.request(server, node, () => this.requests.request(storeServer, node, flow));
  }

  /** The config's GET is redirected too: a request to the store, whose answer is small. */
  private configFromStore(node: number, then: () => void): void {
    const storeServer = this.storeServer;
    if (storeServer === undefined) return then();
    const kind = this.store.take(node, false);
    const answered = (): void => {
      this.store.release(node, kind === WARM_CONNECTION);
      then();
    };
    this.requests.request(storeServer, node, answered, this.connectSeconds(kind, this.registry.redirectRttSeconds!, node));
  }

  private connectSeconds(kind: ConnectionKind, rttSeconds: number, node: number): number {
    return kind === NEW_CONNECTION ? this.registry.handshakeRoundTrips * this.roundTrips.of(node, rttSeconds) : 0;
  }

  private rampSeconds(kind: ConnectionKind, bytes: number, rttSeconds: number, node: number): number {
    return kind === WARM_CONNECTION ? 0 : slowStartSeconds(bytes, this.roundTrips.of(node, rttSeconds), this.linkBytesPerSecond[node]!, this.registry.initialWindowBytes);
  }
}
