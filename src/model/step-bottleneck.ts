import type { FluidNetwork } from './fluid-network.ts';

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
