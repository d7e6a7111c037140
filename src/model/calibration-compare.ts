import type { CalibrationComparison, CalibrationRow } from '../metrics/calibration-comparison.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import { median, quantileSorted } from '../stats/percentiles.ts';
import { calibrationCaveats } from './calibration-caveats.ts';
import { fitHarnessCpu } from './calibration-cpu.ts';
import type { MeasuredRun } from './measured-run.ts';
import { stepKey } from '../metrics/step-key.ts';

export type { MeasuredRun } from './measured-run.ts';

/** The per-node quantiles the comparison reports beside the makespan, by stats' type 7. */
const NODE_QUANTILES = [
  { metric: 'p50-node', q: 0.5 },
  { metric: 'p90-node', q: 0.9 },
] as const;

function nodeTimes(samples: readonly NodeStepSample[], strategy: string, step: string, repeats: ReadonlySet<number>): number[] {
  return samples.filter((s) => s.strategy === strategy && s.step === step && repeats.has(s.repeat) && s.error === undefined).map((s) => s.totalSeconds).sort((a, b) => a - b);
}

/**
 * The makespan a run of `repeats` repeats would report if the model were the machine: measured, it is the median
 * of its repeats, so where a step's makespan is one of two values (a wave whose node lands after ctr's 100 ms tick
 * or not) two repeats that differ read the middle. The draws in sets of `repeats`, each set's median, then the
 * median over the sets: the typical value of the measured figure under the model. With one repeat, or fewer draws
 * than repeats, the median over the draws.
 */
export function medianOfRepeatSets(draws: readonly number[], repeats: number): number {
  if (repeats <= 1 || draws.length < repeats) return median(draws);
  const sets: number[] = [];
  for (let i = 0; i + repeats <= draws.length; i += repeats) sets.push(median(draws.slice(i, i + repeats)));
  return median(sets);
}

/**
 * Simulated beside measured, per strategy and step both hold: the makespan (the median over measured repeats,
 * and over simulated draws as medianOfRepeatSets takes it) and the p50 and p90 of node time (over every node of
 * every measured repeat, and of every simulated draw), error in percent, and the caveats no fitted rate can fix (other work
 * than the nodes did, a busy harness machine). `simulated` is the scenario's own draw first, then any more
 * (calibration-draws.ts); the caveats read the first, and every draw for how times to manifest scatter.
 */
export function compareWithMeasured(measuredFile: string, parameters: Record<string, number>, measured: MeasuredRun, simulated: readonly MeasuredRun[]): CalibrationComparison {
  const rows: CalibrationRow[] = [];
  const row = (strategy: string, step: string, metric: string, m: number, s: number) =>
    rows.push({ strategy, step, metric, measuredSeconds: m, simulatedSeconds: s, errorPercent: m > 0 ? ((s - m) / m) * 100 : 0 });
  const kept = measured.steps.filter((s) => !s.warmup);
  const pairs = [...new Map(kept.map((s) => [stepKey(s), s] as const)).values()];
  for (const m of pairs) {
    const sims = simulated.flatMap((draw) => {
      const sim = draw.steps.find((x) => x.strategy === m.strategy && x.step === m.step);
      return sim === undefined ? [] : [{ sim, draw }];
    });
    if (sims.length === 0) continue;
    const repeats = kept.filter((s) => s.strategy === m.strategy && s.step === m.step);
    row(m.strategy, m.step, 'makespan', median(repeats.map((s) => s.makespanSeconds)), medianOfRepeatSets(sims.map(({ sim }) => sim.makespanSeconds), repeats.length));
    const measuredTimes = nodeTimes(measured.samples, m.strategy, m.step, new Set(repeats.map((s) => s.repeat)));
    const simulatedTimes = sims.flatMap(({ sim, draw }) => nodeTimes(draw.samples, sim.strategy, sim.step, new Set([sim.repeat]))).sort((a, b) => a - b);
    if (measuredTimes.length === 0 || simulatedTimes.length === 0) continue;
    for (const { metric, q } of NODE_QUANTILES) row(m.strategy, m.step, metric, quantileSorted(measuredTimes, q), quantileSorted(simulatedTimes, q));
  }
  const meanOf = (list: readonly CalibrationRow[]) => (list.length === 0 ? 0 : list.reduce((n, r) => n + Math.abs(r.errorPercent), 0) / list.length);
  return {
    measured: measuredFile,
    parameters,
    rows,
    meanAbsoluteErrorPercent: meanOf(rows.filter((r) => r.metric === 'makespan')),
    meanAbsoluteErrorAllPercent: meanOf(rows),
    maxAbsoluteErrorPercent: rows.reduce((n, r) => Math.max(n, Math.abs(r.errorPercent)), 0),
    simulatedDraws: simulated.length,
    caveats: calibrationCaveats(measured, simulated, fitHarnessCpu(kept)),
  };
}
