import { baseLayers, groupFiles, layerOf, splitBase } from '../layer-grouping.ts';
import type { LayerPlan, LayerPlanInput } from '../layer-plan.ts';

/**
 * One layer per component (all branches of it together), in the scenario's component order, which puts
 * what changes least (vendor, core) low and config on top.
 */
export function planPerComponent(_strategy: unknown, input: LayerPlanInput): LayerPlan {
  const { base, code } = splitBase(input.scenario, input.tree);
  const byComponent = groupFiles(code, (f) => f.component);
  const layers = input.scenario.content.components
    .filter((c) => byComponent.has(c.name))
    .map((c) => layerOf(c.name, byComponent.get(c.name) ?? []));
  return { layers: [...baseLayers(base), ...layers], note: undefined };
}
