import type { EpochWindow, NeighbourOperation } from '../metrics/neighbour-operation.ts';
import { compareSamples } from './compare-samples.ts';
import { quantileSorted } from './percentiles.ts';

export interface NeighbourPhaseFigures {
  /** From the run's start. */
  readonly startSeconds: number;
  readonly seconds: number;
  /** Operations due in the phase (requests sent, I/Os started). */
  readonly operations: number;
  readonly errors: number;
  /** Successful operations per second of the phase. */
  readonly operationsPerSecond: number;
  /** Percentiles of the successful operations' latencies; null when there were none. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number } | null;
}

export interface NeighbourSlowdown {
  /** What was compared: the mean latency of each `binSeconds` bin, baseline bins against contention bins. */
  readonly baselineMs: number | null;
  readonly contentionMs: number | null;
  /** contention / baseline (medians of the bin means); null without both. */
  readonly ratio: number | null;
  readonly deltaMs: number | null;
  /** Interval of (contention - baseline) / baseline at 1 - alpha; null when it cannot be computed. */
  readonly deltaRelativeCi: { readonly low: number; readonly high: number } | null;
  readonly p: number | null;
  /** p <= alpha with enough bins to tell, and a change of at least minEffect: a report prints the ratio; otherwise `~`. */
  readonly significant: boolean;
  readonly tooFewSamples: boolean;
  /** p <= alpha, but the change is smaller than minEffect: measurable, too small to count as an impact. */
  readonly belowMinEffect: boolean;
  readonly baselineBins: number;
  readonly contentionBins: number;
}

export interface NeighbourImpact {
  readonly phases: { readonly baseline: NeighbourPhaseFigures; readonly contention: NeighbourPhaseFigures; readonly recovery: NeighbourPhaseFigures };
  readonly slowdown: NeighbourSlowdown;
  /** p99 during contention over p99 at baseline (raw per-operation latencies); null without both. */
  readonly p99Ratio: number | null;
  /**
   * Seconds after the rollout ended until the neighbour's latency was back at its baseline level (every later
   * bin's mean at or below the baseline bins' 90th percentile); 0 when it already was; null when it was
   * not back by the end of the recovery phase.
   */
  readonly recoveredAfterSeconds: number | null;
  /** How long the impact lasted: the contention phase plus `recoveredAfterSeconds` when the slow-down is significant, else 0; null when not recovered. */
  readonly impactSeconds: number | null;
  /**
   * Every operation, compactly, for latency-over-time charts: start time from the run's start in ms and
   * latency in µs (integers), in start order; failures as start times only.
   */
  readonly series: { readonly tMs: number[]; readonly latencyUs: number[]; readonly failedTMs: number[] };
}

export interface NeighbourImpactOptions {
  /** Epoch ms of the run's start, the zero of `startSeconds` and of the series. */
  readonly originEpochMs: number;
  readonly binSeconds?: number;
  readonly alpha?: number;
  /** Smallest relative change of the median bin latency that counts (0.1: 10% slower, or 1/1.1 as fast). */
  readonly minEffect?: number;
  readonly seed?: number | string;
}

/**
 * Stricter than the usual 0.05: a run tests every measured step of every strategy for every neighbour, so
 * at 0.05 a quick-start-sized run would flag a few idle steps by chance, and shared machines drift.
 */
export const NEIGHBOUR_ALPHA = 0.01;

/** Bin width for the significance test: long enough to average queueing noise, short enough for short rollouts. */
export const NEIGHBOUR_BIN_SECONDS = 0.25;

/**
 * A significant change smaller than this is not an impact. Bins a few seconds apart are not independent on
 * a shared machine (another tenant's burst lasts seconds), so p understates how often an idle step differs
 * from its baseline by a few percent; an SRE asks about slow-downs worth acting on, not about drift.
 */
export const NEIGHBOUR_MIN_EFFECT = 0.1;

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * A neighbour's figures around one deploy step. Operations are sliced into phases by their start (intended
 * send) time. The slow-down compares the mean latency of fixed-width bins rather than single operations:
 * consecutive requests queue behind the same stall, so they are not independent samples, and a rank test
 * over thousands of them would call any drift of the machine significant; bins are closer to independent
 * and a mean keeps the tail that an SRE cares about.
 */
export function neighbourImpact(
  operations: readonly NeighbourOperation[],
  windows: { readonly baseline: EpochWindow; readonly contention: EpochWindow; readonly recovery: EpochWindow },
  options: NeighbourImpactOptions,
): NeighbourImpact {
  const binSeconds = options.binSeconds ?? NEIGHBOUR_BIN_SECONDS;
  const alpha = options.alpha ?? NEIGHBOUR_ALPHA;
  const minEffect = options.minEffect ?? NEIGHBOUR_MIN_EFFECT;
  const sorted = [...operations].sort((a, b) => a.startEpochMs - b.startEpochMs);
  const inWindow = (w: EpochWindow) => sorted.filter((o) => o.startEpochMs >= w.startEpochMs && o.startEpochMs < w.endEpochMs);
  const phase = (w: EpochWindow): NeighbourPhaseFigures => {
    const ops = inWindow(w);
    const lat = ops.filter((o) => o.ok).map((o) => o.latencyMs).sort((a, b) => a - b);
    const seconds = (w.endEpochMs - w.startEpochMs) / 1000;
    return {
      startSeconds: (w.startEpochMs - options.originEpochMs) / 1000,
      seconds,
      operations: ops.length,
      errors: ops.length - lat.length,
      operationsPerSecond: seconds > 0 ? lat.length / seconds : 0,
      latencyMs: lat.length === 0 ? null : { p50: quantileSorted(lat, 0.5), p90: quantileSorted(lat, 0.9), p99: quantileSorted(lat, 0.99), max: lat[lat.length - 1] as number },
    };
  };
  const baselineBins = binMeans(inWindow(windows.baseline), windows.baseline, binSeconds);
  const contentionBins = binMeans(inWindow(windows.contention), windows.contention, binSeconds);
  const c = compareSamples(baselineBins.map((b) => b.meanMs), contentionBins.map((b) => b.meanMs), { alpha, seed: options.seed ?? 0 });
  const baseline = phase(windows.baseline);
  const contention = phase(windows.contention);
  const ratio = c.a.median > 0 && Number.isFinite(c.b.median) ? c.b.median / c.a.median : null;
  const largeEnough = ratio !== null && (ratio >= 1 + minEffect || ratio <= 1 / (1 + minEffect));
  const slowdown: NeighbourSlowdown = {
    baselineMs: finite(c.a.median),
    contentionMs: finite(c.b.median),
    ratio,
    deltaMs: finite(c.deltaAbsolute),
    deltaRelativeCi: c.deltaRelativeCi === null || !Number.isFinite(c.deltaRelativeCi.low) ? null : { low: c.deltaRelativeCi.low, high: c.deltaRelativeCi.high },
    p: finite(c.p),
    significant: c.significant && largeEnough,
    tooFewSamples: c.tooFewSamples,
    belowMinEffect: c.significant && !largeEnough,
    baselineBins: baselineBins.length,
    contentionBins: contentionBins.length,
  };

  const level = baselineBins.length === 0 ? Number.NaN : quantileSorted(baselineBins.map((b) => b.meanMs).sort((a, b) => a - b), 0.9);
  const recoveryBins = binMeans(inWindow(windows.recovery), windows.recovery, binSeconds);
  let recoveredAfterSeconds: number | null = Number.isFinite(level) ? 0 : null;
  for (const [i, bin] of recoveryBins.entries()) {
    if (bin.meanMs > level) recoveredAfterSeconds = i === recoveryBins.length - 1 ? null : (bin.endEpochMs - windows.recovery.startEpochMs) / 1000;
  }
  const impactSeconds = !slowdown.significant ? 0 : recoveredAfterSeconds === null ? null : contention.seconds + recoveredAfterSeconds;

  const tMs: number[] = [];
  const latencyUs: number[] = [];
  const failedTMs: number[] = [];
  for (const o of sorted) {
    const t = Math.round(o.startEpochMs - options.originEpochMs);
    if (o.ok) {
      tMs.push(t);
      latencyUs.push(Math.round(o.latencyMs * 1000));
    } else {
      failedTMs.push(t);
    }
  }
  return {
    phases: { baseline, contention, recovery: phase(windows.recovery) },
    slowdown,
    p99Ratio: baseline.latencyMs !== null && contention.latencyMs !== null && baseline.latencyMs.p99 > 0 ? contention.latencyMs.p99 / baseline.latencyMs.p99 : null,
    recoveredAfterSeconds,
    impactSeconds,
    series: { tMs, latencyUs, failedTMs },
  };
}

interface Bin {
  readonly endEpochMs: number;
  readonly meanMs: number;
}

/**
 * Mean latency of successful operations per bin of the window (a failure has no latency to average; the
 * error counts carry it). A last partial bin shorter than half a bin is merged into the one before; bins
 * without operations yield nothing.
 */
function binMeans(ops: readonly NeighbourOperation[], w: EpochWindow, binSeconds: number): Bin[] {
  const binMs = binSeconds * 1000;
  const spanMs = w.endEpochMs - w.startEpochMs;
  const count = Math.max(1, Math.round(spanMs / binMs));
  const sums = new Array<number>(count).fill(0);
  const ns = new Array<number>(count).fill(0);
  for (const o of ops) {
    if (!o.ok) continue;
    const i = Math.min(count - 1, Math.floor((o.startEpochMs - w.startEpochMs) / binMs));
    sums[i] = (sums[i] as number) + o.latencyMs;
    ns[i] = (ns[i] as number) + 1;
  }
  const bins: Bin[] = [];
  for (let i = 0; i < count; i++) {
    const n = ns[i] as number;
    if (n > 0) bins.push({ endEpochMs: i === count - 1 ? w.endEpochMs : w.startEpochMs + (i + 1) * binMs, meanMs: (sums[i] as number) / n });
  }
  return bins;
}
