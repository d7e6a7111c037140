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

/** The upper quartile of the standard normal. */
const Z75 = 0.6745;

/** |X - Y| of two draws of a normal of sigma s has median Z75 * sqrt(2) * s: the pairs' median over this is s. */
const PAIR_MEDIAN_TO_SIGMA = 1 / (Z75 * Math.SQRT2);

/**
 * The spread (sigma) of the logarithms of positive values measured under one condition each, a group a condition
 * (the nodes of one step and repeat): the median absolute difference of the pairs within each group. No group's
 * level enters (a heavy step's slower manifests are not spread), and it is unbiased for groups of two to six,
 * where deviations from each group's own median read 0.5 to 0.8 of the spread. Undefined with fewer than 3 pairs.
 */
export function withinGroupLogSigma(groups: Iterable<readonly number[]>): number | undefined {
  const differences: number[] = [];
  for (const group of groups) {
    const logs = group.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log);
    for (let i = 0; i < logs.length; i++) for (let j = i + 1; j < logs.length; j++) differences.push(Math.abs(logs[i]! - logs[j]!));
  }
  return differences.length < 3 ? undefined : median(differences) * PAIR_MEDIAN_TO_SIGMA;
}

/**
 * The coefficient of variation of a log-normal draw d (model.node.spread) that makes `fixed + varied * d` spread
 * as `sigma` says (sigma of its logarithm, between the quartiles): a node's time to manifest is partly the
 * registry's CPU per request, the same for every node, so the draw of the part that varies must spread wider
 * than the whole did. At most twice as wide: a part that small cannot carry the whole scatter (the model's
 * registry queues its requests on its own). Bisection: the whole's spread grows with the draw's.
 */
export function drawVariationFor(sigma: number, total: number, fixed: number): number {
  const fixedPart = Math.min(Math.max(0, fixed), total);
  const varied = total - fixedPart;
  if (!(varied > 0) || !(sigma > 0)) return 0;
  const spreadOf = (s: number) => (Math.log(fixedPart + varied * Math.exp(Z75 * s)) - Math.log(fixedPart + varied * Math.exp(-Z75 * s))) / (2 * Z75);
  let lo = 0;
  let hi = 2 * sigma;
  if (spreadOf(hi) < sigma) lo = hi;
  for (let i = 0; i < 60 && lo < hi; i++) {
    const mid = (lo + hi) / 2;
    if (spreadOf(mid) < sigma) lo = mid;
    else hi = mid;
  }
  const s = (lo + hi) / 2;
  return Math.sqrt(Math.expm1(s * s));
}
