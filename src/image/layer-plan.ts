import type { ContentTree } from '../content/content-tree.ts';
import type { ResolvedScenario, ResolvedStep, ResolvedStrategy } from '../scenario/resolved.ts';
import type { LayerSpec } from './layer-spec.ts';

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
