import type { NodeDisk } from '../metrics/node-disk.ts';
import { DEFAULT_KEEP_LAST, imagesToCollect, type ResolvedImageGC } from '../scenario/image-gc.ts';
import { holdingsAfterPull, runtimePullWork, type ContainerRuntime, type LayerPullWork, type PulledLayer } from '../scenario/runtime-pull-rules.ts';
import type { ModelImageStep } from './fleet-plan.ts';

interface PlannedImage {
  readonly ref: string;
  lastUsed: number;
  /** Blob digests the runtime keeps (none for docker). */
  readonly blobs: ReadonlySet<string>;
  /** Snapshot keys: the layer ids up to and including each layer (a ChainID's role). */
  readonly chains: ReadonlySet<string>;
}

/** One step of a node's images: its disk after the step's GC, and what the step's pull downloads and unpacks. */
export interface NodeImageStep {
  readonly disk: NodeDisk;
  /** Indexes into the step's image layers, by the runtime's rules given the images kept before the step. */
  readonly work: LayerPullWork;
}

/** The layers of an image as the runtime keys them: blob by layer id, chain by every layer id up to it. */
export function pulledLayers(step: ModelImageStep): PulledLayer[] {
  let chain = '';
  return step.layers.map((layer) => {
    chain = `${chain}/${layer.id}`;
    return { digest: layer.id, chain };
  });
}

/**
 * A node's images over one strategy's steps, from the layer plan alone: every node gets the same images,
 * so one node stands for all. Before each pull, the node holds the images the GC kept after the previous
 * step; the runtime's pull rules (runtime-pull-rules.ts) say which layers it downloads and unpacks. Blobs
 * count their compressed bytes (containerd only: docker keeps none), snapshots (when nodes unpack) their
 * tar bytes, a little above the unpacked files a virtual node counts; the GC is the virtual nodes' own rule
 * (imagesToCollect), so `simulate` and `run` agree on which images go.
 */
export function nodeImagePlan(steps: readonly ModelImageStep[], gc: ResolvedImageGC | undefined, unpack: boolean, runtime: ContainerRuntime): NodeImageStep[] {
  const policy = gc ?? { kind: 'keep-last', images: DEFAULT_KEEP_LAST };
  const blobBytes = new Map<string, number>();
  const chainBytes = new Map<string, number>();
  let images: PlannedImage[] = [];
  const union = (held: readonly PlannedImage[]) => ({ blobs: new Set(held.flatMap((i) => [...i.blobs])), chains: new Set(held.flatMap((i) => [...i.chains])) });
  const kept = (held: readonly PlannedImage[]) => {
    const { blobs, chains } = union(held);
    let n = 0;
    for (const b of blobs) n += blobBytes.get(b) ?? 0;
    if (unpack) for (const c of chains) n += chainBytes.get(c) ?? 0;
    return n;
  };
  return steps.map((step, tick) => {
    const layers = pulledLayers(step);
    const work = runtimePullWork(runtime, layers, union(images));
    step.layers.forEach((layer, i) => {
      blobBytes.set(layer.id, layer.compressedBytes);
      chainBytes.set(layers[i]!.chain, layer.uncompressedBytes);
    });
    const ref = step.step;
    // What this image leaves on a node by the runtime's rule (docker: no blobs); the node's holdings are the kept images'.
    const { blobs, chains } = holdingsAfterPull(runtime, layers, { blobs: new Set(), chains: new Set() });
    images = [...images.filter((i) => i.ref !== ref), { ref, lastUsed: tick, blobs, chains }];
    const before = kept(images);
    const removed = imagesToCollect(policy, images, ref, (gone) => kept(images.filter((i) => !gone.includes(i))));
    images = images.filter((i) => !removed.includes(i));
    const heldBytes = kept(images);
    return { disk: { heldBytes, imagesHeld: images.length, gcFreedBytes: before - heldBytes, gcImagesRemoved: removed.length }, work };
  });
}

/** The disk half of nodeImagePlan, for containerd. */
export function nodeDiskPlan(steps: readonly ModelImageStep[], gc: ResolvedImageGC | undefined, unpack: boolean): NodeDisk[] {
  return nodeImagePlan(steps, gc, unpack, 'containerd').map((s) => s.disk);
}
