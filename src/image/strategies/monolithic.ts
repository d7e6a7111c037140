import { baseLayers, layerOf, splitBase } from '../layer-grouping.ts';
import type { LayerPlan, LayerPlanInput } from '../layer-plan.ts';

/** The base image, then all code in one layer: every deploy re-ships the whole tree. */
export function planMonolithic(_strategy: unknown, input: LayerPlanInput): LayerPlan {
  const { base, code } = splitBase(input.scenario, input.tree);
  return { layers: [...baseLayers(base), layerOf('code', code)], note: undefined };
}
