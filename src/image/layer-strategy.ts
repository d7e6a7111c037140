import type { ResolvedStrategy } from '../scenario/resolved.ts';
import type { LayerPlan, LayerPlanInput, LayerStrategyPlanner } from './layer-plan.ts';
import { planChunked } from './strategies/chunked.ts';
import { planIncremental } from './strategies/incremental.ts';
import { planMonolithic } from './strategies/monolithic.ts';
import { planPerComponent } from './strategies/per-component.ts';
import { planPerVersion } from './strategies/per-version.ts';

type PlannerMap = { [K in ResolvedStrategy['kind']]: LayerStrategyPlanner<Extract<ResolvedStrategy, { kind: K }>> };

/** Strategies by kind, k6-executor style: adding one is adding a file and a line here. */
const PLANNERS: PlannerMap = {
  monolithic: planMonolithic,
  'per-component': planPerComponent,
  'per-version': planPerVersion,
  chunked: planChunked,
  incremental: planIncremental,
};

export function planLayers(strategy: ResolvedStrategy, input: LayerPlanInput): LayerPlan {
  const planner = PLANNERS[strategy.kind] as LayerStrategyPlanner;
  return planner(strategy, input);
}
