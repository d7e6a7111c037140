import type { Topology } from './topology.ts';

/** Every node pulls every layer it lacks from the registry. */
export const directTopology: Topology = {
  tiers: [],
  prepare: (step) => (node, layer, done) => step.fromRegistry(node, layer, [], [], done),
};
