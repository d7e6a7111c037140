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

/**
 * The period of the ticker a node unpacking after its downloads waited for (model.node.unpackTick): the last
 * blob lands at no particular phase of it, so the wait from there to the first unpack averages half a
 * period. A mean wait within the timer jitter is no ticker at all.
 */
function tickFrom(samples: readonly NodeStepSample[]): number {
  const waits: number[] = [];
  for (const s of samples) {
    const start = s.layers.find((l) => l.unpackSeconds > 0)?.unpackStartSeconds;
    const landed = s.layers.filter(timed).map((l) => l.downloadStartSeconds + l.downloadSeconds);
    if (start === undefined || landed.length === 0) continue;
    const wait = start - Math.max(...landed);
    if (wait >= -SAME_MOMENT_SECONDS) waits.push(Math.max(0, wait));
  }
  const mean = waits.reduce((a, b) => a + b, 0) / Math.max(1, waits.length);
  return mean > SAME_MOMENT_SECONDS ? 2 * mean : 0;
}
