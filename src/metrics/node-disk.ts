import { z } from 'zod';

const count = z.number().int().nonnegative();
const bytes = z.number().nonnegative();

/**
 * A node's disk after one deploy step and its image GC: what it holds (content store blobs plus unpacked
 * snapshots on the image side, the synced tree on the volume side) and what the GC freed.
 */
export const nodeDiskSchema = z.object({
  /** Bytes held after the step (blob bytes plus unpacked file bytes; the tree's file bytes on the volume side). */
  heldBytes: bytes,
  /** Images the node still holds after GC (the in-use one included); 0 on the volume side. */
  imagesHeld: count,
  /** Bytes the image GC deleted after this step. */
  gcFreedBytes: bytes,
  /** Images the image GC removed after this step. */
  gcImagesRemoved: count,
});
export type NodeDisk = z.infer<typeof nodeDiskSchema>;
