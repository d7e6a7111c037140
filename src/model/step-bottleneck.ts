import type { FluidNetwork } from './fluid-network.ts';
import { unionSeconds } from './span-concurrency.ts';

/** Capacities each node has for itself (its NIC, disk, CPU, a stream's ceiling), as opposed to shared ones. */
const perNodeKind = (kind: string) => kind.startsWith('node ') || kind === 'stream ceiling';

/**
 * The step's bottleneck as a planner reads it: when every node was held down by its own capacity and nodes
 * (or pods) waited for the rollout, more at once (model.rollout.concurrentDeployments, a release's maxSurge
 * and maxUnavailable, fleet.rollout.maxConcurrent) is what would go faster, not a bigger node or registry.
 */
export function stepBottleneck(net: FluidNetwork, rolloutHeldBack: boolean): string | undefined {
  const kind = bottleneckOf(net);
  return kind !== undefined && rolloutHeldBack && perNodeKind(kind) ? 'rollout concurrency' : kind;
}

/**
 * Pod by pod, a step whose nodes pulled for less than half its time was paced by the rollout itself (pods
 * waiting for their update's window and their readiness probes), whatever capacity its short pulls met.
 */
export function podsPacedStep(starts: Float64Array, ends: Float64Array, makespan: number): boolean {
  return makespan > 0 && busySeconds(starts, ends) < makespan / 2;
}

/** How long at least one node was pulling: the union of the nodes' [start, end) spans. */
function busySeconds(starts: Float64Array, ends: Float64Array): number {
  const spans: Array<readonly [number, number]> = [];
  for (let i = 0; i < starts.length; i++) if (ends[i]! > starts[i]!) spans.push([starts[i]!, ends[i]! - starts[i]!]);
  return unionSeconds(spans);
}

/** The kind of capacity that bound the most flow-time in a step: what a planner would have to add to go faster. */
function bottleneckOf(net: FluidNetwork): string | undefined {
  let best: string | undefined;
  let most = 0;
  for (const [kind, seconds] of net.boundSeconds) {
    if (seconds > most) {
      most = seconds;
      best = kind;
    }
  }
  return best;
}
