import type { RolloutStage } from './resolved.ts';

/**
 * Which nodes go in which wave: stages in order (canaries first, then the rest), each stage finishing before
 * the next starts, and within a stage at most `maxConcurrent` nodes at a time (the runner's concurrency).
 * The nodes are the runner's names, or the fleet model's indices.
 */
export function rolloutWaves<T>(nodeNames: readonly T[], stages: readonly RolloutStage[]): T[][] {
  const waves: T[][] = [];
  let next = 0;
  for (const stage of stages) {
    if (next >= nodeNames.length) break;
    const count = 'canaries' in stage ? stage.canaries : nodeNames.length - next;
    waves.push(nodeNames.slice(next, next + count));
    next += count;
  }
  // Nodes no stage named still deploy, last, as a real rollout would not leave them behind.
  if (next < nodeNames.length) waves.push(nodeNames.slice(next));
  return waves.filter((w) => w.length > 0);
}

/** How many of the rollout's first stages are canary stages (the stages before the first that is not one). */
export function leadingCanaryStages(stages: readonly RolloutStage[]): number {
  const first = stages.findIndex((stage) => !('canaries' in stage));
  return first < 0 ? stages.length : first;
}
