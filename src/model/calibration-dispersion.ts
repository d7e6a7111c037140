import { median } from '../stats/percentiles.ts';

/** Consistency constant: the median absolute deviation of a normal distribution is 0.6745 sigma. */
const MAD_TO_SIGMA = 1.4826;

/**
 * The coefficient of variation of a log-normal fitted to positive values: sigma of their logarithms by the
 * median absolute deviation (robust to the one node a loaded machine stalled), then CV = sqrt(e^(sigma^2) - 1),
 * the parameter model.node.spread takes. Undefined with fewer than 3 values: no dispersion to read.
 */
export function logNormalVariation(values: readonly number[]): number | undefined {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log);
  if (logs.length < 3) return undefined;
  const centre = median(logs);
  const sigma = MAD_TO_SIGMA * median(logs.map((l) => Math.abs(l - centre)));
  return Math.sqrt(Math.expm1(sigma * sigma));
}

/** Seconds covered by the union of [start, start + length) intervals: how long at least one was open. */
export function unionSeconds(intervals: ReadonlyArray<readonly [number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = -Infinity;
  for (const [start, length] of sorted) {
    const stop = start + length;
    if (stop <= end) continue;
    covered += stop - Math.max(start, end);
    end = stop;
  }
  return covered;
}
