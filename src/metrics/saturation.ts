import { median } from '../core/quantile.ts';
import type { TimeSeries } from './time-series.ts';

export interface Saturation {
  saturated: boolean;
  /** Share of the window (by time) with values at or above `threshold`, 0..1. */
  share: number;
  threshold: number;
  minShare: number;
  /** Highest value seen; NaN for an empty series. */
  peak: number;
  /** Time the points cover, in seconds. */
  windowSeconds: number;
}

/**
 * Whether a utilisation series (0..1, e.g. CPU or disk busy share) stayed at or above `threshold` for at least
 * `minShare` of its window. Points weigh by the time since the previous point, because a starved harness
 * samples late: counting points would understate exactly the stretches that matter. The first point, whose
 * interval began before the series, weighs the median gap.
 */
export function saturation(series: TimeSeries, threshold = 0.9, minShare = 0.5): Saturation {
  const { points } = series;
  if (points.length === 0) return { saturated: false, share: 0, threshold, minShare, peak: Number.NaN, windowSeconds: 0 };
  const gaps = points.slice(1).map((p, i) => Math.max(0, p.tSeconds - points[i]!.tSeconds));
  const weights = [gaps.length > 0 ? median(gaps) : 1, ...gaps];
  let window = 0;
  let above = 0;
  let peak = -Infinity;
  points.forEach((p, i) => {
    const w = weights[i]!;
    window += w;
    if (p.value >= threshold) above += w;
    peak = Math.max(peak, p.value);
  });
  // All gaps zero (points stamped together): fall back to counting points.
  const share = window > 0 ? above / window : points.filter((p) => p.value >= threshold).length / points.length;
  return { saturated: share >= minShare, share, threshold, minShare, peak, windowSeconds: window };
}
