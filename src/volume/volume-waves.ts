import type { RolloutStage } from '../scenario/resolved.ts';
import { rolloutWaves } from '../scenario/rollout-waves.ts';

/** The same waves as the image side's, with each node's number (round-robin proxy choice needs it). */
export function volumeWaves(names: readonly string[], stages: readonly RolloutStage[]): Array<Array<{ name: string; index: number }>> {
  const index = new Map(names.map((n, i) => [n, i]));
  return rolloutWaves(names, stages).map((wave) => wave.map((name) => ({ name, index: index.get(name) as number })));
}
