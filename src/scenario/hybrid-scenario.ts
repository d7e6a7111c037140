import { z } from 'zod';
import type { SemanticProblem } from './semantic-problem.ts';

/**
 * `hybrid:`: the transitional mechanism (the master pulls and unpacks each step's image into the staging
 * tree, then rsync ships it as on the volume side). Present, it joins `run`'s default mechanisms and
 * `simulate`'s output; `strategy` names the layer strategy whose images the master pulls.
 */
export const hybridInput = z.strictObject({
  strategy: z.string({ error: 'expected the name of one of image.strategies' }).optional()
    .meta({ description: 'the layer strategy whose images the deployment master pulls (default: the first of image.strategies)' }),
});
export type HybridInput = z.infer<typeof hybridInput>;

export interface ResolvedHybrid {
  /** The layer strategy the master pulls; one of image.strategies. */
  readonly strategy: string;
}

/** The strategy name the hybrid side's results carry; layer strategies may not take it. */
export const HYBRID_STRATEGY_NAME = 'hybrid';

/** `hybrid:` resolved; undefined when the scenario does not ask for the hybrid side. */
export function resolveHybrid(input: HybridInput | undefined | null, strategyNames: readonly string[]): ResolvedHybrid | undefined {
  if (input === undefined) return undefined;
  return { strategy: input?.strategy ?? strategyNames[0] ?? 'monolithic' };
}

/**
 * The layer strategy the hybrid side pulls: the scenario's choice, else the first strategy (the one a
 * scenario lists first is the one it is about; any strategy yields the same staging tree, only the master's
 * pull bytes differ).
 */
export function hybridStrategyOf(scenario: { readonly hybrid?: ResolvedHybrid | undefined; readonly image: { readonly strategies: ReadonlyArray<{ readonly name: string }> } }): string {
  return scenario.hybrid?.strategy ?? scenario.image.strategies[0]?.name ?? 'monolithic';
}

/** `hybrid.strategy` must name a layer strategy of the scenario. */
export function findHybridProblems(input: HybridInput | undefined | null, strategyNames: readonly string[]): SemanticProblem[] {
  const strategy = input?.strategy;
  if (strategy === undefined || strategyNames.includes(strategy)) return [];
  return [{ path: ['hybrid', 'strategy'], message: `no layer strategy is named "${strategy}"`, hint: `name one of ${strategyNames.map((s) => `"${s}"`).join(', ')}` }];
}
