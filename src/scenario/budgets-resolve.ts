import { type BudgetMetric, metricInfo } from './budget-metrics.ts';
import { type BudgetRuleInput, parseGrowth, parseMetricValue } from './budgets-schema.ts';

/** A budget with its units applied: plain numbers in the metric's unit (bytes, seconds, counts, shares). */
export interface ResolvedBudget {
  readonly metric: BudgetMetric;
  /** Where it was written, e.g. `budgets.2`: reports point back at the rule. */
  readonly rule: string;
  readonly name: string | undefined;
  readonly strategy: string | undefined;
  readonly step: string | undefined;
  readonly max: number | undefined;
  readonly min: number | undefined;
  readonly growth: { readonly share: number; readonly floor: number } | undefined;
}

export function resolveBudgets(input: readonly BudgetRuleInput[] | undefined): ResolvedBudget[] {
  return (input ?? []).map((rule, i) => {
    const unit = metricInfo(rule.metric).unit;
    const value = (v: string | number | undefined) => (v === undefined ? undefined : parseMetricValue(unit, v));
    return {
      metric: rule.metric,
      rule: `budgets.${i}`,
      name: rule.name,
      strategy: rule.strategy,
      step: rule.step,
      max: value(rule.max),
      min: value(rule.min),
      growth: rule.growth === undefined ? undefined : { share: parseGrowth(rule.growth), floor: value(rule.floor) ?? 0 },
    };
  });
}
