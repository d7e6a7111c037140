import { z } from 'zod';
import { parseBytes, parseSeconds, parseShare, UnitError } from '../core/units.ts';
import { BUDGET_METRIC_NAMES, BUDGET_METRICS, type BudgetMetric, type MetricUnit } from './budget-metrics.ts';

/**
 * Budgets as users write them, in a budgets file (`budgets: [...]`) or in a scenario's `budgets:`
 * section. A limit's unit follows its metric (sizes for bytes, durations for seconds, shares for
 * efficiency), so each limit is checked against the metric it sits beside, with the rule's key path.
 */

const EXAMPLE: Record<MetricUnit, string> = { bytes: '1.5GiB', count: '40', seconds: '30s', share: '95%', ratio: '3x' };

/** `5%` or 0.05: growth may exceed 100%, unlike a share. */
export function parseGrowth(input: string | number): number {
  const hint = 'write a growth like 5% or 0.05 (a fraction of the baseline)';
  let value: number;
  if (typeof input === 'number') value = input;
  else {
    const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(input.trim());
    if (m === null && !/^\d*\.?\d+$/.test(input.trim())) throw new UnitError(`"${input}" is not a growth`, hint);
    value = m === null ? Number(input.trim()) : Number(m[1]) / 100;
  }
  if (!(value >= 0 && Number.isFinite(value))) throw new UnitError(`growth ${String(input)} must not be negative`, hint);
  return value;
}

/** `Number` of a trimmed text, except that empty text is no number (`Number('')` is 0: `"x"` would pass as 0x). */
function plainNumber(text: string): number {
  return text === '' ? Number.NaN : Number(text);
}

export function parseMetricValue(unit: MetricUnit, input: string | number): number {
  switch (unit) {
    case 'bytes':
      return parseBytes(input);
    case 'seconds':
      return parseSeconds(input);
    case 'share':
      return parseShare(input);
    case 'ratio': {
      // "3x", "3×" or 3: how many times the baseline.
      const value = typeof input === 'number' ? input : plainNumber(input.trim().replace(/\s*[x×]$/, ''));
      if (!(value >= 0 && Number.isFinite(value))) throw new UnitError(`"${input}" is not a ratio`, 'write a ratio like 3x (three times the baseline)');
      return value;
    }
    case 'count': {
      const value = typeof input === 'number' ? input : plainNumber(input.trim());
      if (!Number.isInteger(value) || value < 0) throw new UnitError(`"${input}" is not a whole number`, 'write a count like 40');
      return value;
    }
  }
}

const limit = z.union([z.number(), z.string()], { error: 'expected a number or a value with a unit, e.g. 1.5GiB, 30s or 95%' });
const selector = z.string().min(1, 'name a strategy or step, or leave the key out to match all');

export const budgetRuleInput = z
  .strictObject({
    metric: z.enum(BUDGET_METRIC_NAMES as [BudgetMetric, ...BudgetMetric[]], { error: `expected a metric: ${BUDGET_METRIC_NAMES.join(', ')}` })
      .meta({ description: 'what to hold to the budget' }),
    strategy: selector.optional().meta({ description: 'only this layer strategy (a scenario\'s, or an OCI layout dir\'s name); all when left out' }),
    step: selector.optional().meta({ description: 'only this deploy step or image tag; all when left out' }),
    max: limit.optional().meta({ description: 'fail above this' }),
    min: limit.optional().meta({ description: 'fail below this (e.g. efficiency: 95%)' }),
    growth: z.union([z.number(), z.string()]).optional().meta({ description: 'against --baseline: fail when it grew by more than this share AND more than floor' }),
    floor: limit.optional().meta({ description: 'with growth: growth up to this much is always allowed, so small images do not trip on noise' }),
    name: z.string().optional().meta({ description: 'what the budget is for, shown in reports' }),
  })
  .superRefine((rule, ctx) => {
    const info = BUDGET_METRICS[rule.metric];
    const parsed: Partial<Record<'max' | 'min' | 'floor', number>> = {};
    for (const key of ['max', 'min', 'floor'] as const) {
      const value = rule[key];
      if (value === undefined) continue;
      try {
        parsed[key] = parseMetricValue(info.unit, value);
      } catch (error) {
        if (!(error instanceof UnitError)) throw error;
        ctx.addIssue({ code: 'custom', path: [key], message: `${rule.metric} is in ${info.unit}: ${error.message}`, params: { hint: `e.g. ${key}: ${EXAMPLE[info.unit]}` } });
      }
    }
    // No figure can be both above min and below max: a mistake in the budget, not a budget the image failed.
    if (parsed.min !== undefined && parsed.max !== undefined && parsed.min > parsed.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['min'],
        message: `min ${String(rule.min)} is above max ${String(rule.max)}: no ${rule.metric} can hold to both`,
        params: { hint: `swap them (min: ${String(rule.max)}, max: ${String(rule.min)}), or drop one` },
      });
    }
    if (rule.growth !== undefined) {
      try {
        parseGrowth(rule.growth);
      } catch (error) {
        if (!(error instanceof UnitError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['growth'], message: error.message, params: { hint: error.hint } });
      }
      if (info.better === 'higher') {
        ctx.addIssue({ code: 'custom', path: ['growth'], message: `${rule.metric} is better high, so a growth budget does not apply`, params: { hint: `use min: ${EXAMPLE[info.unit]}` } });
      }
    }
    if (rule.max === undefined && rule.min === undefined && rule.growth === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'this budget sets no limit', params: { hint: 'add max:, min: or growth: (with --baseline)' } });
    }
    if (rule.floor !== undefined && rule.growth === undefined) {
      ctx.addIssue({ code: 'custom', path: ['floor'], message: 'floor only applies to a growth budget', params: { hint: 'add growth: 5% beside it, or remove floor' } });
    }
  });

export const budgetsInputSchema = z.array(budgetRuleInput).min(1, 'list at least one budget');

/** A budgets file: just the list, under `budgets:` (the same key a scenario uses). */
export const budgetsFileSchema = z
  .strictObject({ $schema: z.string().optional(), budgets: budgetsInputSchema })
  .meta({ title: 'shipbench budgets', description: 'Budgets for `shipbench check`: image sizes, per-deploy cost, and run results.' });

export type BudgetRuleInput = z.infer<typeof budgetRuleInput>;
export type BudgetsFileInput = z.infer<typeof budgetsFileSchema>;
