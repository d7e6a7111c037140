import { directTopology } from './direct.ts';
import type { Topology } from './topology.ts';

/**
 * Lazy pulls (stargz, SOCI, overlaybd): nodes fetch from the registry as `direct` does, by range requests,
 * but start their container after the working set (lazy-pull.ts); the rest streams in behind.
 */
export const lazyTopology: Topology = {
  tiers: [],
  prepare: directTopology.prepare,
};
