/**
 * When a ticker of `period` started at `origin` next fires after `now` (strictly after: a tick due at `now`
 * itself has passed). Code polled by a ticker acts then: ctr's Fetch returns at its progress display's next
 * 100 ms tick, which a virtual node waits for in real time and the fleet model on its own clock, by this one rule.
 */
export function nextTickAfter(origin: number, now: number, period: number): number {
  return origin + (Math.floor((now - origin) / period) + 1) * period;
}
