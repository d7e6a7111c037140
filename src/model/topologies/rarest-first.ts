import type { LayerSwarm } from './layer-swarm.ts';

/**
 * Chunks not yet asked for, rarest first, into `order` (returns how many), each one's holder count at the
 * same index of `rarity`; ties from a node-specific `offset` (below the chunk count), so nodes fetch
 * different chunks. A stable insertion sort into the caller's scratch: asked on every free download slot, it
 * makes no array, and compares the counts it keeps beside the order rather than each chunk's holder list.
 */
export function rarestFirst(swarm: LayerSwarm, asked: Uint8Array, offset: number, order: Int32Array, rarity: Int32Array): number {
  const chunks = asked.length;
  const holders = swarm.holders;
  let count = 0;
  for (let k = 0, j = offset; k < chunks; k++, j = j + 1 === chunks ? 0 : j + 1) {
    if (asked[j] !== 0) continue;
    const held = holders[j]!.length;
    let i = count++;
    for (; i > 0 && rarity[i - 1]! > held; i--) {
      order[i] = order[i - 1]!;
      rarity[i] = rarity[i - 1]!;
    }
    order[i] = j;
    rarity[i] = held;
  }
  return count;
}
