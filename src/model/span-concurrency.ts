/** A run's time span, in seconds on one clock. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * For each span, how many of the spans (itself included) ran at once over its time, time-weighted: four syncs
 * that all overlap give 4 each; a sync that ran alone for half its time and beside one other for the rest
 * gives 1.5. A span of no length counts the spans around its instant.
 */
export function spanConcurrency(spans: readonly Span[]): number[] {
  return spans.map((a) => {
    const length = a.end - a.start;
    if (!(length > 0)) return spans.filter((b) => b.start <= a.start && a.start <= b.end).length;
    let overlap = 0;
    for (const b of spans) overlap += Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
    return overlap / length;
  });
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
