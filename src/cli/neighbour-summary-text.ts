import { formatShare } from '../core/units.ts';
import type { NeighbourStepResult } from '../report/neighbour-results.ts';
import type { RunResults } from '../report/results.ts';
import { renderNeighbourAttribution } from './neighbour-attribution-text.ts';
import { textTable } from './text-table.ts';

const ms = (v: number | undefined | null) => (v === undefined || v === null ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));

/** benchstat's convention: the ratio only when significant, `~` otherwise, with the interval beside it. */
export function slowdownText(s: NeighbourStepResult['slowdown']): string {
  if (s.ratio === null) return '-';
  if (s.belowMinEffect === true) return `~ (x${s.ratio.toFixed(2)}, under the minimum effect)`;
  if (!s.significant) return s.tooFewSamples ? '~ (too few bins)' : `~ (p=${(s.p ?? 1).toFixed(3)})`;
  const ci = s.deltaRelativeCi === null ? '' : ` [${(1 + s.deltaRelativeCi.low).toFixed(2)}, ${(1 + s.deltaRelativeCi.high).toFixed(2)}]`;
  return `x${s.ratio.toFixed(2)}${ci}`;
}

/** The neighbour table of the run summary: per neighbour, strategy and step, latency per phase and the slow-down. */
export function renderNeighbourSummary(results: RunResults): string {
  const section = results.neighbours;
  if (section === undefined || section.steps.length === 0) return '';
  const rows = section.steps.map((s) => [
    s.neighbour,
    s.strategy,
    s.step,
    `${ms(s.phases.baseline.latencyMs?.p50)} / ${ms(s.phases.baseline.latencyMs?.p99)}`,
    `${ms(s.phases.contention.latencyMs?.p50)} / ${ms(s.phases.contention.latencyMs?.p99)}`,
    `${ms(s.phases.recovery.latencyMs?.p50)} / ${ms(s.phases.recovery.latencyMs?.p99)}`,
    slowdownText(s.slowdown),
    s.p99Ratio === null ? '-' : `x${s.p99Ratio.toFixed(2)}`,
    s.impactSeconds === null ? `> ${(s.phases.contention.seconds + s.phases.recovery.seconds).toFixed(1)} s` : `${s.impactSeconds.toFixed(1)} s`,
    s.phases.baseline.errors + s.phases.contention.errors + s.phases.recovery.errors,
    s.kind === 'http' ? s.lateSends : '-',
    s.status === 'crashed' ? `CRASHED: ${s.crash ?? ''}` : '',
  ]);
  const table = textTable(
    ['neighbour', 'strategy', 'step', 'baseline p50/p99 ms', 'rollout p50/p99 ms', 'recovery p50/p99 ms', `slow-down [${Math.round((1 - section.alpha) * 100)}% CI]`, 'p99 ratio', 'impact', 'errors', 'late sends', ''],
    rows,
    [3, 4, 5, 7, 8, 9, 10],
  );
  const late = section.steps.some((s) => s.lateSends > 0)
    ? 'late sends: requests the load generator itself sent over 10 ms late (it was short of CPU); their wait counts as latency, so on a saturated harness part of the slow-down is the generator\'s\n'
    : '';
  const minEffect = section.minEffect === undefined ? '' : ` or under ${formatShare(section.minEffect)}`;
  return `neighbours (latency from intended send time; slow-down: median of ${section.binSeconds * 1000} ms bin means, ~ = not significant at ${section.alpha}${minEffect}):\n${table}\n${late}${renderNeighbourAttribution(section)}`;
}
