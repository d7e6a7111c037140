import { cacheTopology } from './cache.ts';
import { directTopology } from './direct.ts';
import { p2pTopology } from './p2p.ts';
import type { Topology } from './topology.ts';
import { treeTopology } from './tree.ts';

/**
 * Lazy pulls (stargz, SOCI, overlaybd): nodes fetch by range requests and start their container after the
 * working set (lazy-pull.ts); the rest streams in behind. `lazy` fetches from the registry as `direct` does;
 * `lazy-cache` through the data centre's cache tier, `lazy-p2p` from peers (Dragonfly with Nydus, Kraken
 * with a lazy snapshotter), `lazy-tree` down a distribution tree (FaaSNet itself: its function trees stream
 * the blocks a starting container reads on demand): the working set and the rest each move as the fetch
 * topology moves a layer.
 */
const lazyOver = (over: Topology): Topology => ({ tiers: over.tiers, prepare: over.prepare });

export const lazyTopology = lazyOver(directTopology);
export const lazyCacheTopology = lazyOver(cacheTopology);
export const lazyP2pTopology = lazyOver(p2pTopology);
export const lazyTreeTopology = lazyOver(treeTopology);
