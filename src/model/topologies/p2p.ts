import { ChunkSwarms } from './chunk-swarm.ts';
import type { Topology } from './topology.ts';

/**
 * P2P swarm per data centre and layer (Dragonfly, Kraken): after a scheduler round trip, a node asks for a
 * layer's chunks, at most p2p.peers at a time, each from a holder with a free upload slot (at most p2p.peers
 * uploads per node); a chunk nobody holds comes from the registry once (or through the seed tier).
 */
export const p2pTopology: Topology = {
  tiers: ['peers'],
  prepare(step) {
    const swarms = new ChunkSwarms(step, step.model.p2p.seeds);
    return swarms.fetchWith({
      inOrder: false,
      joinSeconds: step.model.p2p.schedulerSeconds,
      pick: (swarm, _node, chunk, waker) => swarms.anyHolder(swarm, chunk, waker),
      surelyBusy: (swarm, chunk, waker) => swarms.surelyBusy(swarm, chunk, waker),
    });
  },
};
