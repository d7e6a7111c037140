import { ShipbenchError } from '../core/errors.ts';
import { formatBytes, formatSeconds, formatShare } from '../core/units.ts';
import { BUDGET_METRICS, type BudgetMetric, type MetricUnit } from '../scenario/budget-metrics.ts';
import type { ResolvedBudget } from '../scenario/budgets-resolve.ts';
import type { Measurement } from './check-measurements.ts';

/** One budget applied to one figure: before (baseline), after, and whether it held, and if not, why. */
export interface Verdict {
  readonly rule: string;
  readonly name: string | undefined;
  readonly metric: BudgetMetric;
  readonly strategy: string;
  readonly step: string;
  readonly before: number | undefined;
  readonly after: number;
  readonly budget: string;
  readonly pass: boolean;
  /** What grew (or fell) and by how much; empty when the budget held. */
  readonly failures: readonly string[];
  readonly estimated: boolean;
}

export function formatMetricValue(metric: string, value: number): string {
  const unit: MetricUnit = (BUDGET_METRICS as Record<string, { unit: MetricUnit }>)[metric]?.unit ?? 'count';
  switch (unit) {
    case 'bytes':
      return formatBytes(value);
    case 'seconds':
      return formatSeconds(value);
    case 'share':
      return formatShare(value);
    case 'ratio':
      return `${value.toFixed(2)}x`;
    case 'count':
      return String(value);
  }
}

/** `+12.3 MiB (+8.1%)`; '' without a baseline. */
export function formatDelta(metric: string, before: number | undefined, after: number): string {
  if (before === undefined) return '';
  const delta = after - before;
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '±';
  const relative = before === 0 ? '' : ` (${sign}${formatShare(Math.abs(delta) / Math.abs(before))})`;
  return `${sign}${formatMetricValue(metric, Math.abs(delta))}${relative}`;
}

function budgetText(b: ResolvedBudget): string {
  const parts: string[] = [];
  if (b.max !== undefined) parts.push(`<= ${formatMetricValue(b.metric, b.max)}`);
  if (b.min !== undefined) parts.push(`>= ${formatMetricValue(b.metric, b.min)}`);
  if (b.growth !== undefined) parts.push(`grows <= ${formatShare(b.growth.share)}${b.growth.floor > 0 ? ` or ${formatMetricValue(b.metric, b.growth.floor)}` : ''}`);
  return parts.join(', ');
}

const subject = (m: { strategy: string; step: string }) => [m.strategy, m.step].filter((s) => s !== '').join('/') || '(image)';

/**
 * Applies every budget to every figure it selects. A budget that selects nothing is a mistake in the
 * budgets (exit 2), not a pass. Without a baseline, growth is not judged (the run that makes the
 * baseline, on main, uses the same budgets file); the verdict says so.
 */
export function checkBudgets(
  budgets: readonly ResolvedBudget[],
  current: readonly Measurement[],
  baseline: readonly Measurement[] | undefined,
  budgetsFile: string,
  baselineLocation = 'the baseline',
): Verdict[] {
  const problems: string[] = [];
  const verdicts: Verdict[] = [];
  for (const b of budgets) {
    const ofMetric = current.filter((m) => m.metric === b.metric);
    const selected = ofMetric.filter((m) => (b.strategy === undefined || m.strategy === b.strategy) && (b.step === undefined || m.step === b.step));
    if (selected.length === 0) {
      const have = (pick: (m: Measurement) => string) => [...new Set(ofMetric.map(pick))].filter((s) => s !== '').join(', ') || 'none';
      problems.push(
        ofMetric.length === 0
          ? `${budgetsFile} ${b.rule}: ${b.metric} is not measured for this source (${BUDGET_METRICS[b.metric].from === 'results' ? 'it comes from a results.json' : 'it comes from images'})`
          : `${budgetsFile} ${b.rule}: ${b.metric} has no figure for${b.strategy === undefined ? '' : ` strategy ${b.strategy}`}${b.step === undefined ? '' : ` step ${b.step}`} (strategies: ${have((m) => m.strategy)}; steps: ${have((m) => m.step)})`,
      );
      continue;
    }
    const baselineOf = baselineMatcher(baseline ?? [], b.metric, ofMetric);
    for (const m of selected) {
      const before = baselineOf(m);
      const failures: string[] = [];
      const fmt = (v: number) => formatMetricValue(b.metric, v);
      if (b.max !== undefined && m.value > b.max) failures.push(`${b.metric} of ${subject(m)} is ${fmt(m.value)}, ${fmt(m.value - b.max)} over the max of ${fmt(b.max)}`);
      if (b.min !== undefined && m.value < b.min) failures.push(`${b.metric} of ${subject(m)} is ${fmt(m.value)}, ${fmt(b.min - m.value)} under the min of ${fmt(b.min)}`);
      if (b.growth !== undefined && before !== undefined) {
        const delta = m.value - before;
        const allowed = Math.max(b.growth.share * before, b.growth.floor);
        if (delta > allowed) {
          failures.push(
            `${b.metric} of ${subject(m)} grew by ${formatDelta(b.metric, before, m.value)} (${fmt(before)} -> ${fmt(m.value)}); allowed: ${formatShare(b.growth.share)}` +
              `${b.growth.floor > 0 ? ` or ${fmt(b.growth.floor)}, whichever is more` : ''} = ${fmt(allowed)}`,
          );
        }
      }
      verdicts.push({
        rule: b.rule,
        name: b.name,
        metric: b.metric,
        strategy: m.strategy,
        step: m.step,
        before,
        after: m.value,
        budget: `${budgetText(b)}${b.growth !== undefined && before === undefined ? ' (no baseline figure: growth not judged)' : ''}`,
        pass: failures.length === 0,
        failures,
        estimated: m.estimated === true,
      });
    }
  }
  if (problems.length > 0) {
    throw new ShipbenchError('budgets-do-not-apply', `${problems.length} budget${problems.length === 1 ? '' : 's'} cannot be checked:\n  ${problems.join('\n  ')}`, {
      hint: 'fix the strategy: or step: selectors (leave them out to match every figure), or check the right source',
    });
  }
  if (baseline !== undefined) assertBaselineMatches(budgets, verdicts, baseline, budgetsFile, baselineLocation);
  return verdicts;
}

/**
 * A baseline that gives a growth budget no figure at all is the wrong baseline (another scenario, strategy
 * names that differ, results instead of images): saying "not judged" for every figure would pass the gate
 * silently. A figure the baseline lacks beside others it has (a strategy added since) stays "not judged".
 */
function assertBaselineMatches(budgets: readonly ResolvedBudget[], verdicts: readonly Verdict[], baseline: readonly Measurement[], budgetsFile: string, location: string): void {
  const problems: string[] = [];
  for (const b of budgets.filter((budget) => budget.growth !== undefined)) {
    const judged = verdicts.filter((v) => v.rule === b.rule);
    if (judged.length === 0 || judged.some((v) => v.before !== undefined)) continue;
    const held = baseline.filter((m) => m.metric === b.metric).map(subject);
    const metrics = [...new Set(baseline.map((m) => m.metric))];
    problems.push(
      `${budgetsFile} ${b.rule}: growth of ${b.metric} cannot be judged: it expects a figure for ${[...new Set(judged.map(subject))].join(', ')}, ` +
        (held.length > 0
          ? `but ${location} holds ${b.metric} only for ${[...new Set(held)].join(', ')}`
          : `but ${location} holds no ${b.metric} figure (${metrics.length === 0 ? 'no figures at all' : `only ${metrics.join(', ')}`})`),
    );
  }
  if (problems.length > 0) {
    throw new ShipbenchError('baseline-matches-nothing', `the baseline matches no figure of ${problems.length} growth budget${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`, {
      hint: 'give a baseline of the same kind and names (the same scenario\'s images, or its `check --json` file), or leave out --baseline to judge only max: and min:',
    });
  }
}

/**
 * The baseline figure for a current one: same metric, strategy and step; or, when both sides hold just one
 * subject for the metric (one image read two ways, whose names differ), that one.
 */
function baselineMatcher(baseline: readonly Measurement[], metric: string, current: readonly Measurement[]): (m: Measurement) => number | undefined {
  const before = baseline.filter((m) => m.metric === metric);
  return (m) => {
    const same = before.find((b) => b.strategy === m.strategy && b.step === m.step);
    if (same !== undefined) return same.value;
    if (before.length === 1 && current.length === 1) return before[0]?.value;
    return undefined;
  };
}
