/**
 * Where along one key a target starts (or stops) being met, by bisection: the planner's "how many replicas for a
 * 15 minute rollout". `meets` must be monotone over [low, high]; each probe is a whole simulation, so probes are
 * few: integers are bisected exactly, other keys to a relative `tolerance`.
 */
export interface ThresholdSearch {
  readonly low: number;
  readonly high: number;
  readonly integer: boolean;
  readonly tolerance?: number;
  readonly meets: (value: number) => Promise<boolean>;
}

export type ThresholdAnswer =
  /** The smallest value that meets the target (more of the key helps: replicas). */
  | { readonly kind: 'smallest'; readonly value: number }
  /** The largest value that still meets it (more of the key hurts: nodes). */
  | { readonly kind: 'largest'; readonly value: number }
  | { readonly kind: 'everywhere' }
  | { readonly kind: 'nowhere' };

export async function searchThreshold(search: ThresholdSearch): Promise<ThresholdAnswer> {
  const atLow = await search.meets(search.low);
  const atHigh = await search.meets(search.high);
  if (atLow && atHigh) return { kind: 'everywhere' };
  if (!atLow && !atHigh) return { kind: 'nowhere' };
  // Invariant: `pass` meets the target, `fail` does not; they close in on the boundary.
  let pass = atLow ? search.low : search.high;
  let fail = atLow ? search.high : search.low;
  const tolerance = search.tolerance ?? 0.01;
  const done = () => (search.integer ? Math.abs(pass - fail) <= 1 : Math.abs(pass - fail) <= tolerance * Math.max(Math.abs(pass), Math.abs(fail)));
  while (!done()) {
    const mid = search.integer ? Math.floor((pass + fail) / 2) : (pass + fail) / 2;
    if (await search.meets(mid)) pass = mid;
    else fail = mid;
  }
  return atLow ? { kind: 'largest', value: pass } : { kind: 'smallest', value: pass };
}
