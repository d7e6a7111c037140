import type { ContentionFigures } from '../metrics/contention-counters.ts';
import type { EpochWindow, NeighbourOperation } from '../metrics/neighbour-operation.ts';

/**
 * Where a neighbour's operations spent their time in one phase, per operation: waiting for a CPU, waiting
 * for block I/O, and the rest (service: running, blocked on anything else, and for http queueing behind
 * earlier requests; it holds the I/O wait too when neither PSI nor delay accounting counts it). A wait is
 * the neighbour's total over the phase divided by its operations: its cgroup's stall time (PSI `some`)
 * where there is one, else its threads' run-queue wait (schedstat) and blkio delay (delay accounting).
 * Exact for fio's one synchronous thread; for the http neighbour, whose requests overlap and queue, the
 * waits are what its service and load generator were held up, and the latency's rest is queueing.
 */
export interface PhaseAttribution {
  readonly operations: number;
  /** Mean latency of its successful operations; null without any. */
  readonly meanLatencyMs: number | null;
  /** Run-queue wait summed over the neighbour's threads (schedstat), per operation. */
  readonly runQueueWaitMsPerOp: number | null;
  /** Time some of its tasks waited for a CPU (PSI), per operation; null without a pressure group. */
  readonly cpuStallMsPerOp: number | null;
  /** blkio delay (delay accounting), per operation; null when the kernel does not count it. */
  readonly blkioDelayMsPerOp: number | null;
  /** Time some of its tasks waited for block I/O (PSI), per operation; null without a pressure group. */
  readonly ioStallMsPerOp: number | null;
  /** The stacked parts: CPU wait (PSI, else schedstat), I/O wait (PSI, else delay accounting, else null) and the rest of the mean latency. */
  readonly cpuWaitMsPerOp: number | null;
  readonly ioWaitMsPerOp: number | null;
  readonly serviceMsPerOp: number | null;
  /** CPU wait over CPU wait plus I/O wait (0..1): what the neighbour waited for, CPU or disk; null without I/O wait. */
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
  /** Of the added waiting (CPU wait plus I/O wait, each counted from 0 up), the part that is CPU wait; null when I/O wait is not counted or neither grew. */
  readonly cpuWaitShare: number | null;
  /** The rest of the added waiting: I/O wait. */
  readonly ioWaitShare: number | null;
  /**
   * What the neighbour was held up by, when the slow-down is significant: the larger added wait, `cpu-wait`
   * (something else took its cores' CPU) or `io-wait` (the disk); `service` when neither wait grew; `none`
   * when the slow-down is not significant. For http the added latency is mostly queueing behind requests
   * that waited: the waits say why.
   */
  readonly cause: 'cpu-wait' | 'io-wait' | 'service' | 'none';
}

/** What competed: the harness's CPU in cores (on a CPU, and waiting for one) per phase. */
export interface HarnessCpu {
  readonly cpuCores: number;
  readonly cpuWaitCores: number;
}

export interface NeighbourAttribution {
  readonly phases: { readonly baseline: PhaseAttribution; readonly contention: PhaseAttribution; readonly recovery: PhaseAttribution };
  readonly slowdown: SlowdownAttribution;
  /** Shipbench's process and its children (virtual nodes, rsync, registry, dockerd/containerd) before and during the rollout. */
  readonly harness: { readonly baseline: HarnessCpu; readonly contention: HarnessCpu } | undefined;
}

type PhaseCounters = { readonly baseline: ContentionFigures; readonly contention: ContentionFigures; readonly recovery: ContentionFigures };

function harnessCpu(c: ContentionFigures): HarnessCpu {
  return c.seconds === 0 ? { cpuCores: 0, cpuWaitCores: 0 } : { cpuCores: c.cpuRunMs / 1000 / c.seconds, cpuWaitCores: c.cpuWaitMs / 1000 / c.seconds };
}

function phaseAttribution(ops: readonly NeighbourOperation[], w: EpochWindow, c: ContentionFigures): PhaseAttribution {
  const inPhase = ops.filter((o) => o.startEpochMs >= w.startEpochMs && o.startEpochMs < w.endEpochMs);
  const ok = inPhase.filter((o) => o.ok);
  const n = inPhase.length;
  const meanLatencyMs = ok.length === 0 ? null : ok.reduce((sum, o) => sum + o.latencyMs, 0) / ok.length;
  const perOp = (ms: number | null) => (n === 0 || ms === null ? null : ms / n);
  const cpuWaitMsPerOp = perOp(c.cpuStallMs ?? c.cpuWaitMs);
  const ioWaitMsPerOp = perOp(c.ioStallMs ?? c.ioWaitMs);
  const serviceMsPerOp = meanLatencyMs === null || cpuWaitMsPerOp === null ? null : Math.max(0, meanLatencyMs - cpuWaitMsPerOp - (ioWaitMsPerOp ?? 0));
  const waited = (cpuWaitMsPerOp ?? 0) + (ioWaitMsPerOp ?? 0);
  return {
    operations: n,
    meanLatencyMs,
    runQueueWaitMsPerOp: perOp(c.cpuWaitMs),
    cpuStallMsPerOp: perOp(c.cpuStallMs),
    blkioDelayMsPerOp: perOp(c.ioWaitMs),
    ioStallMsPerOp: perOp(c.ioStallMs),
    cpuWaitMsPerOp,
    ioWaitMsPerOp,
    serviceMsPerOp,
    cpuWaitShare: cpuWaitMsPerOp === null || ioWaitMsPerOp === null || waited === 0 ? null : cpuWaitMsPerOp / waited,
    disk: c.disk,
  };
}

const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

/** A neighbour's attribution around one step; `significant` is the slow-down's verdict (neighbour-impact.ts), which gates `cause`. */
export function neighbourAttribution(
  operations: readonly NeighbourOperation[],
  windows: { readonly baseline: EpochWindow; readonly contention: EpochWindow; readonly recovery: EpochWindow },
  counters: PhaseCounters,
  significant: boolean,
  harness?: PhaseCounters,
): NeighbourAttribution {
  const baseline = phaseAttribution(operations, windows.baseline, counters.baseline);
  const contention = phaseAttribution(operations, windows.contention, counters.contention);
  const recovery = phaseAttribution(operations, windows.recovery, counters.recovery);
  const addedMs = minus(contention.meanLatencyMs, baseline.meanLatencyMs);
  const cpuWaitMs = minus(contention.cpuWaitMsPerOp, baseline.cpuWaitMsPerOp);
  const ioWaitMs = minus(contention.ioWaitMsPerOp, baseline.ioWaitMsPerOp);
  const serviceMs = minus(contention.serviceMsPerOp, baseline.serviceMsPerOp);
  const cpuUp = Math.max(0, cpuWaitMs ?? 0);
  const ioUp = Math.max(0, ioWaitMs ?? 0);
  const cpuWaitShare = ioWaitMs === null || cpuUp + ioUp === 0 ? null : cpuUp / (cpuUp + ioUp);
  const cause = !significant ? 'none' : cpuUp === 0 && ioUp === 0 ? 'service' : cpuUp >= ioUp ? 'cpu-wait' : 'io-wait';
  return {
    phases: { baseline, contention, recovery },
    slowdown: {
      addedMs,
      cpuWaitMs,
      ioWaitMs,
      serviceMs,
      cpuWaitShare,
      ioWaitShare: cpuWaitShare === null ? null : 1 - cpuWaitShare,
      cause,
    },
    harness: harness === undefined ? undefined : { baseline: harnessCpu(harness.baseline), contention: harnessCpu(harness.contention) },
  };
}
