/**
 * The knee of a curve that falls as a key grows (makespan against registry replicas): the first point after
 * which one more step of the key gains less than `minGain` of the metric. On a linear key the gain is taken per
 * unit of the key (1 -> 3 replicas counts as two units), on a log key per step of the sweep. A curve that does
 * not fall overall (makespan against fleet size) has no knee: more of that key never helps.
 */
export function kneeIndex(xs: readonly number[], ys: readonly number[], scale: 'linear' | 'log', minGain = 0.1): number | undefined {
  if (xs.length < 2 || xs.length !== ys.length) return undefined;
  if (!(ys[ys.length - 1]! < ys[0]!)) return undefined;
  for (let i = 1; i < xs.length; i++) {
    const before = ys[i - 1]!;
    const gain = before > 0 ? (before - ys[i]!) / before : 0;
    const units = scale === 'linear' ? xs[i]! - xs[i - 1]! : 1;
    if (units > 0 && gain / units < minGain) return i - 1;
  }
  return xs.length - 1;
}
