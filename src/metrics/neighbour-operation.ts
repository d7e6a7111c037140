/**
 * One operation of a co-located neighbour workload: an HTTP request of the `http` neighbour or one I/O of
 * the `fio` neighbour. Times are epoch milliseconds (`performance.timeOrigin + performance.now()`), which
 * several processes on one machine share, so a load generator's, fio's and the harness's clocks line up.
 */
export interface NeighbourOperation {
  /**
   * When the operation was due: the intended send time of an open-loop request (so time spent queued
   * behind slow responses counts, no coordinated omission), or fio's completion time minus its latency.
   */
  readonly startEpochMs: number;
  /** From `startEpochMs` to completion. */
  readonly latencyMs: number;
  readonly ok: boolean;
}

/** A span of time on the epoch-millisecond clock of `NeighbourOperation`. */
export interface EpochWindow {
  readonly startEpochMs: number;
  readonly endEpochMs: number;
}

/** The wall clock this process shares with its children, in milliseconds since the epoch, sub-ms resolution. */
export function epochNowMs(now: number = performance.now()): number {
  return performance.timeOrigin + now;
}
