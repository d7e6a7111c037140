import { mkdir, readdir, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes trees a virtual node no longer needs (a cold repeat's wipe, image GC) without freeing their
 * inodes until the node closes: files are emptied at once (their blocks are free again, so disk use is
 * what it would be), and the emptied tree is moved aside and deleted by `empty()`.
 *
 * Why: on ext4 without a journal (this project's machine's root file system) a new inode skips every
 * inode of its group deleted in the last minute (fs/ext4/ialloc.c find_inode_bit and recently_deleted,
 * which read each candidate's inode block), so unpacking thousands of files right after deleting
 * thousands costs time quadratic in the count: a 16-node storm's repeats spent most of their system
 * time there (perf). A journalled file system, as on real nodes, never pays it.
 */
export class DeferredRemoval {
  private moved = 0;

  /** `dir` holds the emptied trees until `empty()`; it must be on the same file system as what is removed. */
  constructor(private readonly dir: string) {}

  /** Empties every file under `path` and moves the tree aside; a missing path is nothing to do. */
  async remove(path: string): Promise<void> {
    // A single file, nothing, or a file we may not empty (read-only, not root): plain removal.
    const emptied = await emptyFiles(path).then(() => true, () => false);
    if (!emptied) return rm(path, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    await rename(path, join(this.dir, String(this.moved++)));
  }

  /** Deletes what was moved aside (the node is closing: no unpacking follows on it). */
  async empty(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    this.moved = 0;
  }
}

async function emptyFiles(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await emptyFiles(path);
    else if (entry.isFile()) await truncate(path, 0);
  }
}
