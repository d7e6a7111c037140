import { ChunkSwarms } from './chunk-swarm.ts';
import type { Topology } from './topology.ts';

/**
 * A distribution tree per data centre, as FaaSNet builds for function images: nodes join in the order they
 * start, the k-th node's parent is node floor((k - 1) / fanout) of its data centre, and a node streams each
 * chunk from its parent once the parent holds its first piece (block streaming, as FaaSNet's); the root
 * fetches from the registry.
 */
export const treeTopology: Topology = {
  tiers: ['peers'],
  prepare(step) {
    const swarms = new ChunkSwarms(step, 0);
    const { layout } = step;
    const joined = layout.datacentres.map(() => [] as number[]);
    const parentOf = new Int32Array(layout.names.length).fill(-2);
    const parent = (node: number) => {
      if (parentOf[node] === -2) {
        const order = joined[layout.datacentreOf[node]!]!;
        parentOf[node] = order.length === 0 ? -1 : order[Math.floor((order.length - 1) / step.model.tree.fanout)]!;
        order.push(node);
      }
      return parentOf[node]!;
    };
    return swarms.fetchWith({
      inOrder: true,
      joinSeconds: 0,
      pick: (swarm, node, chunk) => {
        const p = parent(node);
        if (p < 0) return swarm.holders[chunk]!.length > 0 ? swarm.holders[chunk]![0]! : swarm.originBusy[chunk] === 1 ? 'wait' : 'origin';
        return swarm.canServe(chunk, p) ? p : { waitFor: p };
      },
    });
  },
};
