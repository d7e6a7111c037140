import type { NodeStepSample } from '../metrics/samples.ts';
import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { timed } from './calibration-links.ts';

/** Closer than this, an unpack and a blob's arrival count as the same moment (timer and event-loop jitter). */
const SAME_MOMENT_SECONDS = 0.005;

/**
 * When the measured nodes started unpacking: a pipelined runtime unpacks its lowest missing layer as soon as
 * that layer's blob is in (or at once, when the node held it), a runtime driven like `ctr images pull` only
 * once every blob is in. Only a node step whose lowest unpacked layer was ready clearly before its last blob
 * landed tells the two apart; the rule most of those followed is the one the model takes, and with
 * after-downloads the period of the tick the nodes waited for after their last blob (tickFrom). Results without
 * unpack start times (engines, older runs) leave the model's rule as it is.
 */
export function unpackStartsFrom(samples: readonly NodeStepSample[], node: ResolvedModel['node'], parameters: Record<string, number>): ResolvedModel['node'] {
  let pipelined = 0;
  let afterDownloads = 0;
  for (const s of samples) {
    const unpacked = s.layers.filter((l) => l.unpackSeconds > 0);
    const lowest = unpacked[0];
    const landed = s.layers.filter(timed).map((l) => l.downloadStartSeconds + l.downloadSeconds);
    if (lowest?.unpackStartSeconds === undefined || landed.length === 0) continue;
    const lastLanded = Math.max(...landed);
    const lowestReady = lowest.downloadSeconds > 0 ? (lowest.downloadStartSeconds ?? lastLanded) + lowest.downloadSeconds : s.manifestSeconds;
    if (lowestReady >= lastLanded - SAME_MOMENT_SECONDS) continue;
    if (lowest.unpackStartSeconds < lastLanded - SAME_MOMENT_SECONDS) pipelined++;
    else afterDownloads++;
  }
  if (pipelined + afterDownloads === 0) return node;
  const unpackStarts = afterDownloads > pipelined ? 'after-downloads' : 'pipelined';
  parameters.unpackAfterDownloads = unpackStarts === 'after-downloads' ? 1 : 0;
  if (unpackStarts === 'pipelined') return { ...node, unpackStarts };
  const unpackTickSeconds = tickFrom(samples);
  parameters.unpackTickSeconds = unpackTickSeconds;
  return { ...node, unpackStarts, unpackTickSeconds };
}

/** Shortest tick the grid search tries. */
const SHORTEST_TICK_SECONDS = 0.02;
/** How far around each candidate (the first start over a whole number of ticks) the period is refined, and in what steps. */
const REFINE_SHARE = 0.02;
const REFINE_STEPS = 200;
/** Mean cosine of the unpack starts' phases on a period's grid at or above which they sit on it. */
const ON_GRID = 0.98;
/** A longer period within this of the best fit is preferred: its halves and thirds fit as well, less the jitter. */
const FIT_SLACK = 0.02;
/** The latest first unpack must lie this many times the earliest out for the grid to tell periods apart. */
const GRID_SPAN = 1.5;

/**
 * The period of the ticker a node unpacking after its downloads waited for (model.node.unpackTick). The model's
 * ticker runs from the node's pull start, as ctr's progress display runs from its fetch, so each node step's first
 * unpack sits on a multiple of the period (gridPeriod). Where the starts do not tell it (all on about the same tick,
 * or a ticker whose origin is not the node's start, as a real ctr's own start-up delays it), the wait from the last
 * blob to the first unpack, which averages half a period when blobs land at no particular phase. A mean wait
 * within the timer jitter is no ticker at all.
 */
function tickFrom(samples: readonly NodeStepSample[]): number {
  const starts: number[] = [];
  const waits: number[] = [];
  for (const s of samples) {
    const start = s.layers.find((l) => l.unpackSeconds > 0)?.unpackStartSeconds;
    const landed = s.layers.filter(timed).map((l) => l.downloadStartSeconds + l.downloadSeconds);
    if (start === undefined || landed.length === 0) continue;
    const wait = start - Math.max(...landed);
    if (wait < -SAME_MOMENT_SECONDS) continue;
    waits.push(Math.max(0, wait));
    starts.push(start);
  }
  const mean = waits.reduce((a, b) => a + b, 0) / Math.max(1, waits.length);
  if (!(mean > SAME_MOMENT_SECONDS)) return 0;
  return gridPeriod(starts) ?? 2 * mean;
}

/**
 * The period whose grid from 0 the starts lie on: the earliest start is a whole number m of ticks, so each
 * candidate is it over m, refined to the best mean cos(2 pi start / period) nearby; the longest candidate within
 * FIT_SLACK of the best fit wins (halves and thirds of the period fit too), if that fit reaches ON_GRID. A
 * 0.1 s tick seen at 0.1, 0.2 and 3.6 s: 3.6 s is also 34 ticks of 0.106 s, which the start at 0.2 s rules out.
 */
export function gridPeriod(starts: readonly number[]): number | undefined {
  if (starts.length < 2) return undefined;
  const earliest = Math.min(...starts);
  if (!(earliest > 0) || Math.max(...starts) < GRID_SPAN * earliest) return undefined;
  const fit = (period: number) => starts.reduce((n, t) => n + Math.cos((2 * Math.PI * t) / period), 0) / starts.length;
  const candidates: Array<{ period: number; fit: number }> = [];
  for (let m = 1; earliest / m >= SHORTEST_TICK_SECONDS; m++) {
    // The candidate itself is the middle step (i = 0) of its refinement.
    let best = { period: earliest / m, fit: Number.NEGATIVE_INFINITY };
    for (let i = -REFINE_STEPS; i <= REFINE_STEPS; i++) {
      const period = (earliest / m) * (1 + (REFINE_SHARE * i) / REFINE_STEPS);
      const f = fit(period);
      if (f > best.fit) best = { period, fit: f };
    }
    candidates.push(best);
  }
  const top = Math.max(...candidates.map((c) => c.fit));
  if (top < ON_GRID) return undefined;
  return candidates.find((c) => c.fit >= top - FIT_SLACK)!.period;
}
