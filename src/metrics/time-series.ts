import { z } from 'zod';
import type { Seconds } from '../core/units.ts';

/**
 * A named series of values over time. `tSeconds` is relative to a run's start, so series from different
 * samplers of one run line up on one axis.
 */
export const timePointSchema = z.object({ tSeconds: z.number(), value: z.number() });
export const timeSeriesSchema = z.object({
  name: z.string(),
  unit: z.string(),
  points: z.array(timePointSchema),
});
export type TimePoint = z.infer<typeof timePointSchema>;
export type TimeSeries = z.infer<typeof timeSeriesSchema>;

/** One reading of a cumulative counter (e.g. sectors written since boot) at a moment. */
export interface CounterSample {
  tSeconds: Seconds;
  value: number;
}

export function timeSeries(name: string, unit: string, points: TimePoint[] = []): TimeSeries {
  return { name, unit, points };
}

export interface RateOptions {
  /** Multiplies each delta before dividing by time, e.g. 512 for sectors -> bytes, 1e-3 for ms -> s. */
  scale?: number;
}

/**
 * Per-second rates from cumulative counter readings. Each point sits at the END of its interval (the moment
 * the rate became known, as sar and iostat print it). An interval whose counter went down (a wrap or a
 * device reset) or whose time did not advance says nothing true about the rate, so it yields no point.
 */
export function ratesFromCounters(
  name: string,
  unit: string,
  samples: readonly CounterSample[],
  options: RateOptions = {},
): TimeSeries {
  const scale = options.scale ?? 1;
  const points: TimePoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!;
    const cur = samples[i]!;
    const dt = cur.tSeconds - prev.tSeconds;
    const delta = cur.value - prev.value;
    if (dt <= 0 || delta < 0) continue;
    points.push({ tSeconds: cur.tSeconds, value: (delta * scale) / dt });
  }
  return timeSeries(name, unit, points);
}

/** A reading of two cumulative counters, where `part` only ever grows as a piece of `whole` (busy of total ticks). */
export interface PartOfWholeSample {
  tSeconds: Seconds;
  part: number;
  whole: number;
}

/**
 * Per-interval shares (0..1) of two counters' deltas, e.g. busy CPU ticks over all ticks. Points sit at the
 * end of their interval; intervals where `whole` did not grow (or a counter went down) yield no point.
 */
export function sharesFromCounters(name: string, samples: readonly PartOfWholeSample[]): TimeSeries {
  const points: TimePoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!;
    const cur = samples[i]!;
    const part = cur.part - prev.part;
    const whole = cur.whole - prev.whole;
    if (whole <= 0 || part < 0) continue;
    points.push({ tSeconds: cur.tSeconds, value: Math.min(1, part / whole) });
  }
  return timeSeries(name, 'share', points);
}

/**
 * At most `maxPoints` points, by averaging consecutive runs of points (times and values alike), so a
 * results file stays small while a long run keeps its shape. Bucket sizes differ by at most one point.
 */
export function downsample(series: TimeSeries, maxPoints: number): TimeSeries {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new RangeError(`maxPoints must be a whole number of at least 1, got ${maxPoints}`);
  }
  const { points } = series;
  if (points.length <= maxPoints) return timeSeries(series.name, series.unit, points.map((p) => ({ ...p })));
  const out: TimePoint[] = [];
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor((b * points.length) / maxPoints);
    const to = Math.floor(((b + 1) * points.length) / maxPoints);
    let t = 0;
    let v = 0;
    for (let i = from; i < to; i++) {
      t += points[i]!.tSeconds;
      v += points[i]!.value;
    }
    const n = to - from;
    out.push({ tSeconds: t / n, value: v / n });
  }
  return timeSeries(series.name, series.unit, out);
}

/** Same series with every value passed through `f` (e.g. clamping a ratio to 0..1). */
export function mapValues(series: TimeSeries, f: (value: number) => number): TimeSeries {
  return timeSeries(series.name, series.unit, series.points.map((p) => ({ tSeconds: p.tSeconds, value: f(p.value) })));
}
