import type { Topology } from './topology.ts';

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

interface Swarm {
  pool: number;
  holders: number;
  seeded: boolean;
  waiting: Array<() => void>;
}

/**
 * P2P: the first node of a data centre to want a layer fetches it from the registry (no peer holds a piece
 * yet); the others fetch from peers, sharing their upload, and cannot finish before the swarm holds every
 * piece: their last piece arrives after the registry fetch ends.
 */
export const p2pTopology: Topology = {
  tiers: ['peers'],
  prepare(step) {
    const { net, layout, meter, model } = step;
    const upload = bytesPerSecond(model.p2p.uploadBitsPerSecond);
    const swarms = layout.datacentres.map(() => new Map<string, Swarm>());
    const prePulledIn = layout.datacentres.map(() => 0);
    for (let i = 0; i < layout.names.length; i++) if (step.prePulled[i] === 1) prePulledIn[layout.datacentreOf[i]!]!++;
    return (node, layer, done) => {
      const dc = layout.datacentreOf[node]!;
      let swarm = swarms[dc]!.get(layer.id);
      if (swarm === undefined) {
        const seeds = prePulledIn[dc]!;
        swarm = { pool: net.addResource(upload * Math.max(1, seeds)), holders: seeds, seeded: seeds > 0, waiting: [] };
        swarms[dc]!.set(layer.id, swarm);
        if (!swarm.seeded) {
          const s = swarm;
          s.holders = 1;
          return step.fromRegistry(node, layer, [], [], () => {
            s.seeded = true;
            done();
            for (const release of s.waiting.splice(0)) release();
          });
        }
      }
      const s = swarm;
      s.holders++;
      net.setCapacity(s.pool, upload * s.holders);
      const lastPiece = Math.min(model.p2p.pieceBytes, layer.compressedBytes);
      const peerFlow = (bytes: number, then: () => void) =>
        net.startFlow({ bytes, resources: [s.pool, step.nicIn[node]!, step.diskWrite[node]!], capBytesPerSecond: step.stream, meters: [meter.peers, meter.nodes], onDone: then });
      if (s.seeded) return peerFlow(layer.compressedBytes, done);
      return peerFlow(layer.compressedBytes - lastPiece, () => {
        const finish = () => peerFlow(lastPiece, done);
        if (s.seeded) finish();
        else s.waiting.push(finish);
      });
    };
  },
};
