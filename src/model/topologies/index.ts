import type { ModelTopology } from '../../scenario/model-resolved.ts';
import { cacheTopology } from './cache.ts';
import { directTopology } from './direct.ts';
import { lazyCacheTopology, lazyP2pTopology, lazyTopology, lazyTreeTopology } from './lazy.ts';
import { p2pTopology } from './p2p.ts';
import type { Topology } from './topology.ts';
import { treeTopology } from './tree.ts';

/** Every topology the model knows, by its scenario name; the compiler keeps this map exhaustive. */
export const TOPOLOGIES: { readonly [K in ModelTopology]: Topology } = {
  direct: directTopology,
  cache: cacheTopology,
  p2p: p2pTopology,
  tree: treeTopology,
  lazy: lazyTopology,
  'lazy-cache': lazyCacheTopology,
  'lazy-p2p': lazyP2pTopology,
  'lazy-tree': lazyTreeTopology,
};
