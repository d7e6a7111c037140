import type { FileEntry } from './file-entry.ts';

/**
 * The code tree at one deploy step: every file, sorted by path, and the branches live in it.
 * Trees of consecutive steps share the FileEntry objects of unchanged files, so a deploy sequence of a
 * MediaWiki-scale tree costs little more memory than one tree.
 */
export interface ContentTree {
  /** Branches live at this step, oldest first. */
  readonly versions: readonly string[];
  /** All files (base image and code), sorted by path. */
  readonly files: readonly FileEntry[];
}

export function treeBytes(files: readonly FileEntry[]): number {
  let total = 0;
  // Indexed: a for-of over a whole tree runs about 20x slower until V8 optimises the loop.
  for (let i = 0; i < files.length; i++) total += (files[i] as FileEntry).bytes;
  return total;
}

