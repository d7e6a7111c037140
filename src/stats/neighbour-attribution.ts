import type { ContentionFigures } from '../metrics/contention-counters.ts';
import type { EpochWindow, NeighbourOperation } from '../metrics/neighbour-operation.ts';

/**
 * Where a neighbour's operations spent their time in one phase, per operation: waiting for a CPU (its
 * threads' run-queue wait), waiting for block I/O (delay accounting), and the rest (service: running,
 * and blocked on anything else; it holds the I/O wait too when the kernel does not count it). The waits
 * are the processes' totals over the phase divided by its operations: exact for fio's one synchronous
 * thread, an average for the http neighbour, whose requests overlap and whose service and load generator
 * both count.
 */
export interface PhaseAttribution {
  readonly operations: number;
  /** Mean latency of its successful operations; null without any. */
  readonly meanLatencyMs: number | null;
  readonly cpuWaitMsPerOp: number | null;
  readonly ioWaitMsPerOp: number | null;
  readonly serviceMsPerOp: number | null;
  /** CPU wait over latency (0..1); null without operations. */
  readonly cpuWaitShare: number | null;
  /** The shared disk in this phase: completed I/Os, mean latency per I/O, mean queue depth, busy share. */
  readonly disk: ContentionFigures['disk'];
}

/** What the slow-down is made of: contention minus baseline, per operation. */
export interface SlowdownAttribution {
  readonly addedMs: number | null;
  readonly cpuWaitMs: number | null;
  readonly ioWaitMs: number | null;
  readonly serviceMs: number | null;
  /** The part of the added latency that is CPU wait (may lie outside 0..1 when the parts move apart). */
  readonly cpuWaitShare: number | null;
  /**
   * The largest part of the added latency, when the slow-down is significant: `cpu-wait` means the neighbour
   * waited for CPU that something else on its cores took, not for the disk; `none` when not significant.
   */
  readonly cause: 'cpu-wait' | 'io-wait' | 'service' | 'none';
}

export interface NeighbourAttribution {
  readonly phases: { readonly baseline: PhaseAttribution; readonly contention: PhaseAttribution; readonly recovery: PhaseAttribution };
  readonly slowdown: SlowdownAttribution;
}

function phaseAttribution(ops: readonly NeighbourOperation[], w: EpochWindow, c: ContentionFigures): PhaseAttribution {
  const inPhase = ops.filter((o) => o.startEpochMs >= w.startEpochMs && o.startEpochMs < w.endEpochMs);
  const ok = inPhase.filter((o) => o.ok);
  const n = inPhase.length;
  const meanLatencyMs = ok.length === 0 ? null : ok.reduce((sum, o) => sum + o.latencyMs, 0) / ok.length;
  const cpuWaitMsPerOp = n === 0 ? null : c.cpuWaitMs / n;
  const ioWaitMsPerOp = n === 0 || c.ioWaitMs === null ? null : c.ioWaitMs / n;
  const serviceMsPerOp = meanLatencyMs === null || cpuWaitMsPerOp === null ? null : Math.max(0, meanLatencyMs - cpuWaitMsPerOp - (ioWaitMsPerOp ?? 0));
  return {
    operations: n,
    meanLatencyMs,
    cpuWaitMsPerOp,
    ioWaitMsPerOp,
    serviceMsPerOp,
    cpuWaitShare: meanLatencyMs === null || cpuWaitMsPerOp === null || meanLatencyMs === 0 ? null : Math.min(1, cpuWaitMsPerOp / meanLatencyMs),
    disk: c.disk,
  };
}

const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

/** A neighbour's attribution around one step; `significant` is the slow-down's verdict (neighbour-impact.ts), which gates `cause`. */
export function neighbourAttribution(
  operations: readonly NeighbourOperation[],
  windows: { readonly baseline: EpochWindow; readonly contention: EpochWindow; readonly recovery: EpochWindow },
  counters: { readonly baseline: ContentionFigures; readonly contention: ContentionFigures; readonly recovery: ContentionFigures },
  significant: boolean,
): NeighbourAttribution {
  const baseline = phaseAttribution(operations, windows.baseline, counters.baseline);
  const contention = phaseAttribution(operations, windows.contention, counters.contention);
  const recovery = phaseAttribution(operations, windows.recovery, counters.recovery);
  const addedMs = minus(contention.meanLatencyMs, baseline.meanLatencyMs);
  const cpuWaitMs = minus(contention.cpuWaitMsPerOp, baseline.cpuWaitMsPerOp);
  const ioWaitMs = minus(contention.ioWaitMsPerOp, baseline.ioWaitMsPerOp);
  const serviceMs = minus(contention.serviceMsPerOp, baseline.serviceMsPerOp);
  const parts = [['cpu-wait', cpuWaitMs], ['io-wait', ioWaitMs], ['service', serviceMs]] as const;
  const largest = parts.reduce<(typeof parts)[number] | undefined>((best, p) => (p[1] !== null && (best === undefined || p[1] > (best[1] ?? -Infinity)) ? p : best), undefined);
  return {
    phases: { baseline, contention, recovery },
    slowdown: {
      addedMs,
      cpuWaitMs,
      ioWaitMs,
      serviceMs,
      cpuWaitShare: addedMs === null || cpuWaitMs === null || addedMs <= 0 ? null : cpuWaitMs / addedMs,
      cause: !significant || largest === undefined ? 'none' : largest[0],
    },
  };
}
