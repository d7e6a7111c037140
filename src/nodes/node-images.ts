import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeDisk } from '../metrics/node-disk.ts';
import { imagesToCollect, type ResolvedImageGC } from '../scenario/image-gc.ts';
import type { ContentStore } from './content-store.ts';

interface HeldImage {
  readonly ref: string;
  readonly blobs: ReadonlySet<string>;
  readonly chains: ReadonlySet<string>;
  /** A logical clock: the deploy that last used it. */
  lastUsed: number;
}

/**
 * The images a virtual node holds and its kubelet-like image GC. After every deploy the new image is in use;
 * the policy then removes images (never the one in use): keep-last N drops all but the N most recently used;
 * thresholds act only when held bytes exceed `high` of the disk and remove least-recently-used images until
 * they are at or below `low`. Removing an image really deletes the blobs and snapshots no remaining image
 * references, as containerd's GC does once kubelet removed the image.
 */
export class NodeImages {
  private images: HeldImage[] = [];
  private readonly blobBytes = new Map<string, number>();
  /** By ChainID: the layer's unpacked files, and for docker its layerdb record (docker-layer-metadata.ts). */
  private readonly snapshotBytes = new Map<string, number>();
  /** The runtime's own metadata files (containerd's bolt database): held whatever images are. */
  private metadataBytes = 0;
  private clock = 0;

  /**
   * Directories of one entry per ChainID, removed with their layer: the snapshots, and docker's layer records
   * (moby layer/layer_store.go deleteLayer removes the record with the layer).
   */
  private readonly chainDirs: readonly string[];

  constructor(
    private readonly policy: ResolvedImageGC,
    private readonly store: ContentStore,
    snapshotsDir: string,
    recordsDir?: string,
  ) {
    this.chainDirs = recordsDir === undefined ? [snapshotsDir] : [snapshotsDir, recordsDir];
  }

  /** The node was wiped (a cold repeat). */
  reset(): void {
    this.images = [];
    this.blobBytes.clear();
    this.snapshotBytes.clear();
    this.metadataBytes = 0;
  }

  noteMetadata(bytes: number): void {
    this.metadataBytes = bytes;
  }

  noteBlob(digest: string, bytes: number): void {
    this.blobBytes.set(digest, bytes);
  }

  /** The layer of `chain` holds `bytes` on disk: its files, and its layer record where the runtime keeps one. */
  noteSnapshot(chain: string, bytes: number): void {
    this.snapshotBytes.set(chain, bytes);
  }

  /** Blob, unpacked file and runtime metadata bytes the node holds now. */
  heldBytes(): number {
    let n = this.metadataBytes;
    for (const b of this.blobBytes.values()) n += b;
    for (const b of this.snapshotBytes.values()) n += b;
    return n;
  }

  /** `ref` is now in use: the GC runs, and the node's disk after it is returned. */
  async deployed(ref: string, blobs: ReadonlySet<string>, chains: ReadonlySet<string>): Promise<NodeDisk> {
    const tick = ++this.clock;
    this.images = [...this.images.filter((i) => i.ref !== ref), { ref, blobs, chains, lastUsed: tick }];
    // Blobs and snapshots of no image at all (a failed deploy's leftovers) are never kept.
    const before = this.heldBytes();
    const removed = this.victims(ref);
    this.images = this.images.filter((i) => !removed.includes(i));
    await this.deleteUnreferenced();
    return { heldBytes: this.heldBytes(), imagesHeld: this.images.length, gcFreedBytes: before - this.heldBytes(), gcImagesRemoved: removed.length };
  }

  /** The images the policy removes, least recently used first. */
  private victims(inUse: string): HeldImage[] {
    return imagesToCollect(this.policy, this.images, inUse, (removed) => this.bytesKeptWithout(removed));
  }

  /** Held bytes once `removed` are gone and what only they referenced is deleted. */
  private bytesKeptWithout(removed: readonly HeldImage[]): number {
    const kept = this.images.filter((i) => !removed.includes(i));
    const blobs = new Set(kept.flatMap((i) => [...i.blobs]));
    const chains = new Set(kept.flatMap((i) => [...i.chains]));
    let n = 0;
    for (const [d, b] of this.blobBytes) if (blobs.has(d)) n += b;
    for (const [c, b] of this.snapshotBytes) if (chains.has(c)) n += b;
    return n;
  }

  private async deleteUnreferenced(): Promise<void> {
    const blobs = new Set(this.images.flatMap((i) => [...i.blobs]));
    const chains = new Set(this.images.flatMap((i) => [...i.chains]));
    await this.store.retainOnly(blobs);
    for (const d of [...this.blobBytes.keys()]) if (!blobs.has(d)) this.blobBytes.delete(d);
    for (const dir of this.chainDirs) {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) if (!chains.has(`sha256:${name}`)) await rm(join(dir, name), { recursive: true, force: true });
    }
    for (const c of [...this.snapshotBytes.keys()]) if (!chains.has(c)) this.snapshotBytes.delete(c);
  }
}
