import { median } from './percentiles.ts';
import { fewSamples, firstRepeatSlow, highVariance, type NodeStepSample, type RunWarning } from '../metrics/samples.ts';
import { stepKey } from '../metrics/step-key.ts';

export interface MeasurementWarningOptions {
  /** Fewer successful node samples than this per strategy and step: no 95% interval for the median. */
  readonly minSamples?: number;
  /** Coefficient of variation of the per-repeat medians above which repeats disagree. */
  readonly maxRepeatVariation?: number;
  /** The first repeat's median over the later repeats' above this: it measured a cold start. */
  readonly firstRepeatRatio?: number;
}

/**
 * Warnings about the measurement itself, from the samples of measured (non-warmup) repeats: too few
 * samples to say anything, repeats that disagree, or a first repeat that only measured a cold start.
 */
export function measurementWarnings(measured: readonly NodeStepSample[], options: MeasurementWarningOptions = {}): RunWarning[] {
  const { minSamples = 6, maxRepeatVariation = 0.25, firstRepeatRatio = 1.5 } = options;
  const groups = new Map<string, NodeStepSample[]>();
  for (const s of measured) {
    if (s.error !== undefined) continue;
    const key = stepKey(s);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s]);
    else group.push(s);
  }
  const warnings: RunWarning[] = [];
  for (const samples of groups.values()) {
    const { strategy, step } = samples[0] as NodeStepSample;
    if (samples.length < minSamples) warnings.push(fewSamples(step, strategy, samples.length, minSamples));
    const repeats = [...new Set(samples.map((s) => s.repeat))].sort((a, b) => a - b);
    if (repeats.length < 2) continue;
    const medians = repeats.map((r) => median(samples.filter((s) => s.repeat === r).map((s) => s.totalSeconds)));
    const later = median(medians.slice(1));
    const first = medians[0] as number;
    // With two repeats either could be the odd one; from three on, the later ones agree on a baseline.
    if (medians.length >= 3 && later > 0 && first / later > firstRepeatRatio) {
      warnings.push(firstRepeatSlow(step, strategy, first / later));
      continue; // the cold first repeat is the variance; say that once
    }
    const mean = medians.reduce((a, b) => a + b, 0) / medians.length;
    const sd = Math.sqrt(medians.reduce((a, m) => a + (m - mean) ** 2, 0) / (medians.length - 1));
    if (mean > 0 && sd / mean > maxRepeatVariation) warnings.push(highVariance(step, strategy, 'median node seconds between repeats', sd / mean));
  }
  return warnings;
}
