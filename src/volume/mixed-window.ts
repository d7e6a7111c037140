import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * How long a node's tree held a mix of versions during one sync: first to last change time (ctime, which
 * rsync cannot set back as it does mtime) among the regular files changed since `sinceMs` (wall clock).
 * Deletions leave no file to stat and are not counted; directories are left out, since their times change
 * whenever an entry comes or goes, which says nothing about which version a file is. With --delay-updates
 * (scap's default) the window is the run of renames at the end of the sync, not the whole transfer.
 */
export async function mixedVersionSeconds(root: string, sinceMs: number): Promise<number> {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const { ctimeMs } = await lstat(join(entry.parentPath, entry.name));
    if (ctimeMs < sinceMs) continue;
    first = Math.min(first, ctimeMs);
    last = Math.max(last, ctimeMs);
  }
  return last > first ? (last - first) / 1000 : 0;
}
