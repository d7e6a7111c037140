import type { LayerSample, NodeStepSample } from '../metrics/samples.ts';
import { median, quantile } from '../stats/percentiles.ts';
import { logNormalVariation } from './calibration-dispersion.ts';
import { unionSeconds } from './span-concurrency.ts';

/** A node must have moved this much in a step for its rate to say more about its link than about round trips. */
const MIN_LINK_BYTES = 1 << 20;

export interface LinkFit {
  /** Mean per node and step of layer bytes over the seconds any of its downloads was in flight (the mean: the NIC spread multiplies it by draws of mean 1). */
  readonly nicBytesPerSecond: number;
  /** The p90 of those per-node rates: what the link allowed when the harness kept up (a CPU-starved node only falls below it). */
  readonly nicLimitBytesPerSecond: number;
  /** Log-normal CV of those per-node rates (model.node.spread.nic). */
  readonly nicVariation: number | undefined;
  /** Median rate of layers that downloaded alone on their node; undefined when none did. */
  readonly aloneStreamBytesPerSecond: number | undefined;
  readonly nodes: number;
}

type TimedLayer = LayerSample & { downloadStartSeconds: number };

export const timed = (l: LayerSample): l is TimedLayer => l.downloadSeconds > 0 && l.downloadStartSeconds !== undefined;

/** Layers of one node whose download overlapped no other download of that node. */
export function aloneLayers(layers: readonly TimedLayer[]): TimedLayer[] {
  return layers.filter((l) => layers.every((o) => o === l || o.downloadStartSeconds >= l.downloadStartSeconds + l.downloadSeconds || o.downloadStartSeconds + o.downloadSeconds <= l.downloadStartSeconds));
}

/**
 * What each node's link delivered, read from when its layer downloads ran (virtual nodes record it): the
 * node's bytes over the union of its download intervals, so three concurrent streams on one NIC count as
 * one link rather than three slow streams. Undefined when the run recorded no download start times (results
 * written before they existed) or no node moved MIN_LINK_BYTES in a step. A limiter's burst (`burstBytes`)
 * came through at once, not at the link's rate, so it is not counted in the rate.
 */
export function fitLinks(samples: readonly NodeStepSample[], burstBytes = 0): LinkFit | undefined {
  const rates: number[] = [];
  const alone: number[] = [];
  for (const s of samples) {
    if (s.error !== undefined) continue;
    const layers = s.layers.filter(timed);
    const bytes = layers.reduce((n, l) => n + l.bytes, 0);
    if (layers.length === 0 || bytes < MIN_LINK_BYTES) continue;
    rates.push((bytes - Math.min(burstBytes, bytes / 2)) / unionSeconds(layers.map((l) => [l.downloadStartSeconds, l.downloadSeconds] as const)));
    for (const l of aloneLayers(layers)) if (l.bytes >= MIN_LINK_BYTES) alone.push(l.bytes / l.downloadSeconds);
  }
  if (rates.length === 0) return undefined;
  return {
    nicBytesPerSecond: rates.reduce((a, b) => a + b, 0) / rates.length,
    nicLimitBytesPerSecond: quantile(rates, 0.9),
    nicVariation: logNormalVariation(rates),
    aloneStreamBytesPerSecond: alone.length === 0 ? undefined : median(alone),
    nodes: rates.length,
  };
}
