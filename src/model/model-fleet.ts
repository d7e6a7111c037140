import type { ResolvedImageGC } from '../scenario/image-gc.ts';
import type { RolloutStage } from '../scenario/resolved.ts';

/** The part of a resolved fleet the model reads (a ResolvedFleet is one). */
export interface ModelFleet {
  readonly nodes: number;
  readonly rollout: { readonly maxConcurrent: number; readonly stages: readonly RolloutStage[] };
  readonly node: { readonly maxConcurrentDownloads: number; readonly unpack: boolean; readonly imageGC?: ResolvedImageGC | undefined; readonly nicBitsPerSecond?: number | undefined; readonly disk?: { readonly writeBytesPerSecond: number | undefined } };
}
