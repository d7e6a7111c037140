import type { ContentTree } from '../content/content-tree.ts';
import type { ResolvedScenario, ResolvedStep, ResolvedStrategy } from '../scenario/resolved.ts';
import type { LayerSpec } from './layer-spec.ts';
import { planChunked } from './strategies/chunked.ts';
import { planIncremental } from './strategies/incremental.ts';
import { planMonolithic } from './strategies/monolithic.ts';
import { planPerComponent } from './strategies/per-component.ts';
import { planPerVersion } from './strategies/per-version.ts';

/** What a strategy sees when it lays out the image of one deploy step. */
export interface LayerPlanInput {
  readonly scenario: ResolvedScenario;
  readonly step: ResolvedStep;
  readonly stepIndex: number;
  readonly tree: ContentTree;
  /** The previous step's tree and this strategy's layers for it; undefined at the initial step. */
  readonly previous: { readonly tree: ContentTree; readonly layers: readonly LayerSpec[] } | undefined;
}

export interface LayerPlan {
  readonly layers: readonly LayerSpec[];
  /** Why the layout is what it is when that is not obvious (e.g. "rebuilt: diff 31% > 25%"). */
  readonly note: string | undefined;
}

export type LayerStrategyPlanner<S extends ResolvedStrategy = ResolvedStrategy> = (strategy: S, input: LayerPlanInput) => LayerPlan;

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
