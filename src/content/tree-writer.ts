import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ContentSynthesizer, FileEntry } from './file-entry.ts';

const SCRATCH_BYTES = 4 * 2 ** 20;

/**
 * Materialises files as a plain directory tree (what the code-in-volume side ships with rsync).
 * Files are written with their modes; one scratch buffer serves every file that fits in it.
 */
export async function writeTree(files: readonly FileEntry[], synth: ContentSynthesizer, root: string): Promise<{ files: number; bytes: number }> {
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  const made = new Set<string>();
  let bytes = 0;
  for (const entry of files) {
    const path = join(root, entry.path);
    const dir = dirname(path);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    const target = entry.bytes <= SCRATCH_BYTES ? scratch : Buffer.allocUnsafe(entry.bytes);
    synth.fill(entry, target);
    const handle = await open(path, 'w', entry.mode);
    try {
      await handle.write(target, 0, entry.bytes, 0);
      await handle.chmod(entry.mode);
    } finally {
      await handle.close();
    }
    bytes += entry.bytes;
  }
  return { files: files.length, bytes };
}
