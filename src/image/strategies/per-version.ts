import { baseLayers, groupFiles, layerOf, splitBase } from '../layer-grouping.ts';
import type { LayerPlan, LayerPlanInput } from '../layer-plan.ts';

/** The groups of a step's code files besides its branches. */
const SHARED = Symbol('shared');
const CONFIG = Symbol('config');

/**
 * Shared files below, one layer per live branch, config on top: a train replaces one branch layer, a
 * backport re-ships one branch, a config change only the top layer.
 */
export function planPerVersion(_strategy: unknown, input: LayerPlanInput): LayerPlan {
  const { base, code } = splitBase(input.scenario, input.tree);
  const live = new Set(input.tree.versions);
  // A file of a branch no longer live is in no layer.
  const groups = groupFiles<string | typeof SHARED | typeof CONFIG>(code, (f) => (f.component === 'config' ? CONFIG : f.version === undefined ? SHARED : live.has(f.version) ? f.version : undefined));
  const shared = groups.get(SHARED) ?? [];
  const config = groups.get(CONFIG) ?? [];
  const layers = [
    ...baseLayers(base),
    ...(shared.length > 0 ? [layerOf('shared', shared)] : []),
    ...input.tree.versions.flatMap((version) => {
      const files = groups.get(version);
      return files === undefined ? [] : [layerOf(`php-${version}`, files)];
    }),
    ...(config.length > 0 ? [layerOf('config', config)] : []),
  ];
  return { layers, note: undefined };
}
