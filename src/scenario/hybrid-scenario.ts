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
  through: z.string({ error: 'expected the name of a deploy step' }).optional()
    .meta({ description: 'walk the deploy sequence only up to this step, included (default: every step); keeps a quick run quick' }),
});
export type HybridInput = z.infer<typeof hybridInput>;

export interface ResolvedHybrid {
  /** The layer strategy the master pulls; one of image.strategies. */
  readonly strategy: string;
  /** The last deploy step the hybrid side walks (from the first); undefined: every step. */
  readonly through?: string | undefined;
}

/** The strategy name the hybrid side's results carry; layer strategies may not take it. */
export const HYBRID_STRATEGY_NAME = 'hybrid';

/** `hybrid:` resolved; undefined when the scenario does not ask for the hybrid side. */
export function resolveHybrid(input: HybridInput | undefined | null, strategyNames: readonly string[]): ResolvedHybrid | undefined {
  if (input === undefined) return undefined;
  return { strategy: input?.strategy ?? strategyNames[0] ?? 'monolithic', ...(input?.through === undefined ? {} : { through: input.through }) };
}

/** The deploy steps the hybrid side walks: from the first through `hybrid.through` (every step by default). */
export function hybridSteps<T extends { readonly name: string }>(hybrid: ResolvedHybrid | undefined, deploy: readonly T[]): T[] {
  const last = hybrid?.through === undefined ? -1 : deploy.findIndex((s) => s.name === hybrid.through);
  return last < 0 ? [...deploy] : deploy.slice(0, last + 1);
}

/**
 * The layer strategy the hybrid side pulls: the scenario's choice, else the first strategy (the one a
 * scenario lists first is the one it is about; any strategy yields the same staging tree, only the master's
 * pull bytes differ).
 */
export function hybridStrategyOf(scenario: { readonly hybrid?: ResolvedHybrid | undefined; readonly image: { readonly strategies: ReadonlyArray<{ readonly name: string }> } }): string {
  return scenario.hybrid?.strategy ?? scenario.image.strategies[0]?.name ?? 'monolithic';
}

const known = (names: readonly string[]) => names.map((s) => `"${s}"`).join(', ');

/** `hybrid.strategy` must name a layer strategy of the scenario, `hybrid.through` one of its deploy steps. */
export function findHybridProblems(input: HybridInput | undefined | null, strategyNames: readonly string[], stepNames: readonly string[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const strategy = input?.strategy;
  if (strategy !== undefined && !strategyNames.includes(strategy)) problems.push({ path: ['hybrid', 'strategy'], message: `no layer strategy is named "${strategy}"`, hint: `name one of ${known(strategyNames)}` });
  const through = input?.through;
  if (through !== undefined && !stepNames.includes(through)) problems.push({ path: ['hybrid', 'through'], message: `no deploy step is named "${through}"`, hint: `name one of ${known(stepNames)}` });
  return problems;
}
