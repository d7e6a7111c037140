import { timeSeries, type TimeSeries } from '../metrics/time-series.ts';
import type { MeterOutcome } from './step-outcome.ts';

/**
 * A tier's piecewise-constant rate as at most `bins` points: each point is the exact average rate over its
 * bin (bytes moved in the bin over the bin's width), placed at the bin's end like measured series, and
 * shifted by `offsetSeconds` onto the run's clock.
 */
export function binnedRate(meter: MeterOutcome, endSeconds: number, offsetSeconds: number, bins: number): TimeSeries {
  const series = timeSeries(`${meter.tier} egress`, 'bytes/s');
  if (endSeconds <= 0) return series;
  const width = endSeconds / bins;
  let seg = 0;
  for (let b = 0; b < bins; b++) {
    const from = b * width;
    const to = from + width;
    let bytes = 0;
    while (seg + 1 < meter.t.length && meter.t[seg + 1]! <= from) seg++;
    for (let k = seg; k < meter.t.length && meter.t[k]! < to; k++) {
      const start = Math.max(from, meter.t[k]!);
      const end = Math.min(to, meter.t[k + 1] ?? Number.POSITIVE_INFINITY);
      if (end > start) bytes += meter.rate[k]! * (end - start);
    }
    series.points.push({ tSeconds: offsetSeconds + to, value: bytes / width });
  }
  return series;
}

export function peakRate(meter: MeterOutcome): number {
  return meter.rate.reduce((a, b) => Math.max(a, b), 0);
}
