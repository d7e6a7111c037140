import type { NodeDisk } from '../metrics/node-disk.ts';
import { DEFAULT_KEEP_LAST, imagesToCollect, type ResolvedImageGC } from '../scenario/image-gc.ts';
import type { ModelImageStep } from './fleet-plan.ts';

interface PlannedImage {
  readonly ref: string;
  lastUsed: number;
  readonly blobs: ReadonlySet<string>;
  /** Snapshot keys: the layer ids up to and including each layer (a ChainID's role). */
  readonly chains: ReadonlySet<string>;
}

/**
 * A node's disk after each step of one strategy, from the layer plan alone: every node gets the same
 * images, so one node stands for all. Blobs count their compressed bytes, snapshots (when nodes unpack)
 * their tar bytes, a little above the unpacked files a virtual node counts; the GC is the virtual nodes' own
 * rule (imagesToCollect), so `simulate` and `run` agree on which images go.
 */
export function nodeDiskPlan(steps: readonly ModelImageStep[], gc: ResolvedImageGC | undefined, unpack: boolean): NodeDisk[] {
  const policy = gc ?? { kind: 'keep-last', images: DEFAULT_KEEP_LAST };
  const blobBytes = new Map<string, number>();
  const chainBytes = new Map<string, number>();
  let images: PlannedImage[] = [];
  const kept = (held: readonly PlannedImage[]) => {
    const blobs = new Set(held.flatMap((i) => [...i.blobs]));
    const chains = new Set(held.flatMap((i) => [...i.chains]));
    let n = 0;
    for (const b of blobs) n += blobBytes.get(b) ?? 0;
    for (const c of chains) n += chainBytes.get(c) ?? 0;
    return n;
  };
  return steps.map((step, tick) => {
    const chains: string[] = [];
    let chain = '';
    for (const layer of step.layers) {
      blobBytes.set(layer.id, layer.compressedBytes);
      chain = `${chain}/${layer.id}`;
      if (unpack) {
        chains.push(chain);
        chainBytes.set(chain, layer.uncompressedBytes);
      }
    }
    const ref = step.step;
    images = [...images.filter((i) => i.ref !== ref), { ref, lastUsed: tick, blobs: new Set(step.layers.map((l) => l.id)), chains: new Set(chains) }];
    const before = kept(images);
    const removed = imagesToCollect(policy, images, ref, (gone) => kept(images.filter((i) => !gone.includes(i))));
    images = images.filter((i) => !removed.includes(i));
    const heldBytes = kept(images);
    return { heldBytes, imagesHeld: images.length, gcFreedBytes: before - heldBytes, gcImagesRemoved: removed.length };
  });
}
