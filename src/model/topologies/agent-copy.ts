import type { StepNetwork } from './topology.ts';

/**
 * A node's P2P agent keeps a copy of its own of what the node fetches (p2p.agentCopy), and the runtime writes
 * the blob too. `alongside`: the agent writes every chunk as it streams the blob on to the runtime
 * (Dragonfly's dfdaemon and its cache), so the copy crosses the node's disk with the transfer: nobody syncs
 * it, but a pull of gigabytes fills the node's dirty pages with its unpacks early on, after which Linux paces
 * every write to the disk (write-back.ts; taking it through write-back instead doubled the swarm's CPU in the
 * model for 2% of the makespan, bench/fleet-model.ts at 3,000 nodes: 228 against 223 s). `first`: the swarm's
 * chunks are the agent's copy, and once the layer is whole the runtime copies it from the agent (Kraken:
 * dockerd pulls from the agent's registry). `none`: peers read the runtime's store (Spegel).
 */
export class AgentCopy {
  /** Chunks are written twice as they arrive. */
  readonly alongside: boolean;

  constructor(private readonly step: StepNetwork) {
    this.alongside = step.model.p2p.agentCopy === 'alongside';
  }

  /** `node` wrote `bytes` a second time (the agent's copy beside the runtime's, or the runtime's from the agent's): its disk bytes and page cache recency count them. */
  wroteTwice(node: number, bytes: number): void {
    this.step.wroteBesides(node, bytes);
  }

  /** What runs when `node` holds a layer of `bytes` whole from the swarm: `done`, after the runtime's copy from the agent with `first`. */
  layerDone(node: number, bytes: number, done: () => void): () => void {
    return this.step.model.p2p.agentCopy === 'first' ? () => this.copyFromAgent(node, bytes, done) : done;
  }

  /**
   * The runtime copies the layer's `bytes` from the agent: a local transfer, its disk write and hashing (ingest
   * less the NIC) and a read of the agent's copy unless the layer fits in the node's page cache, where the agent
   * has just written it; then `done`.
   */
  private copyFromAgent(node: number, bytes: number, done: () => void): void {
    const ingest = this.step.ingest(node);
    const weights = ingest.weights.slice(1);
    if (bytes > this.step.model.node.pageCacheBytes) weights[0]! += this.step.readWeight[node]!;
    this.step.net.startFlow({
      bytes,
      resources: ingest.resources.slice(1),
      weights,
      meters: [],
      onDone: () => {
        this.wroteTwice(node, bytes);
        done();
      },
    });
  }
}
