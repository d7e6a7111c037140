import type { LayerSample, NodeStepSample } from '../metrics/samples.ts';
import { spanConcurrency } from './span-concurrency.ts';
import { repeatKey } from '../metrics/step-key.ts';

/**
 * How many layers were unpacking at once, on average, while each layer unpacked: its own unpack and the
 * overlap of every other node's unpacks in the same strategy, step and repeat, over its duration (1 when it
 * unpacked alone). On a one-machine run whose harness CPU bound the nodes, N nodes unpacking at once each
 * took about N times what one alone takes: the unpack fit divides by this to get a layer's own cost, and the
 * model shares the harness's cores among the unpacks instead (model.harness.cores). Layers without an unpack
 * start time (older results, engine nodes without one) are left out of the map.
 */
export function unpackConcurrency(samples: readonly NodeStepSample[]): Map<LayerSample, number> {
  const groups = new Map<string, Array<{ layer: LayerSample; start: number; end: number }>>();
  for (const s of samples) {
    for (const layer of s.layers) {
      if (layer.unpackSeconds <= 0 || layer.unpackStartSeconds === undefined) continue;
      const key = repeatKey(s);
      const start = s.startSeconds + layer.unpackStartSeconds;
      const group = groups.get(key) ?? [];
      group.push({ layer, start, end: start + layer.unpackSeconds });
      groups.set(key, group);
    }
  }
  const concurrency = new Map<LayerSample, number>();
  for (const group of groups.values()) {
    const atOnce = spanConcurrency(group);
    group.forEach((a, i) => concurrency.set(a.layer, Math.max(1, atOnce[i]!)));
  }
  return concurrency;
}

/** The unpacks at once over all the layers of `concurrency`, weighted by each layer's unpack seconds; undefined when none. */
export function meanUnpacksAtOnce(concurrency: ReadonlyMap<LayerSample, number>): number | undefined {
  let weighted = 0;
  let seconds = 0;
  for (const [layer, atOnce] of concurrency) {
    weighted += layer.unpackSeconds * atOnce;
    seconds += layer.unpackSeconds;
  }
  return seconds > 0 ? weighted / seconds : undefined;
}
