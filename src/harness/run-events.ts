import type { NeighbourEvent } from '../neighbours/neighbour-session.ts';
import type { VolumeRolloutEvent } from '../volume/volume-rollout.ts';
import type { RolloutEvent } from './rollout-event.ts';

/** What `run` reports while it works; runners never print, the CLI's progress printer draws these. */
export type RunEvent =
  | RolloutEvent
  | VolumeRolloutEvent
  | NeighbourEvent
  | { readonly type: 'phase'; readonly name: string; readonly detail: string }
  | { readonly type: 'push'; readonly strategy: string; readonly done: number; readonly total: number; readonly bytesUp: number };
