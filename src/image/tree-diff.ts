import { compareEntryPaths, type FileEntry } from '../content/file-entry.ts';
import { inPathOrder } from '../content/sorted-runs.ts';

/** What changed between two sorted file lists: the files to (re)write and the paths to delete. */
export interface TreeDiff {
  /** Added or changed files, sorted by path. */
  readonly written: readonly FileEntry[];
  /**
   * Deleted paths, sorted, collapsed to the highest directory that vanished entirely, so a train that
   * drops a branch deletes one directory rather than 130,000 files (one whiteout, as `docker diff` would).
   */
  readonly deleted: readonly string[];
}

function sameFile(a: FileEntry, b: FileEntry): boolean {
  return a === b || (a.contentKey === b.contentKey && a.bytes === b.bytes && a.mode === b.mode && a.kind === b.kind);
}

/** The list in path order: as it is when known or found in order (a step's code list is diffed twice). */
function sortedByPath(files: readonly FileEntry[]): readonly FileEntry[] {
  return inPathOrder(files) ? files : [...files].sort(compareEntryPaths);
}

/** Whether some path in `sorted` lies under `dir`: paths under `dir/` are contiguous, from the first >= `dir/`. */
function dirSurvives(dir: string, sorted: readonly FileEntry[]): boolean {
  const prefix = `${dir}/`;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as FileEntry).path < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && (sorted[lo] as FileEntry).path.startsWith(prefix);
}

/** The highest ancestor directory of a file in `parent` that no longer exists at all; null if every one survives. */
function highestVanishedDir(parent: string, after: readonly FileEntry[]): string | null {
  for (let end = parent.indexOf('/'); ; end = parent.indexOf('/', end + 1)) {
    const dir = end < 0 ? parent : parent.slice(0, end);
    if (!dirSurvives(dir, after)) return dir;
    if (end < 0) return null;
  }
}

/**
 * Diffs already made, by their lists: the incremental strategy and the volume side both diff each step's code
 * list against the previous step's (the same arrays, splitBase keeps them), a walk of 280,000 entries each.
 */
const diffs = new WeakMap<readonly FileEntry[], WeakMap<readonly FileEntry[], TreeDiff>>();

/** The diff of two lists; the same lists give the same (shared, read-only) diff. */
export function diffTrees(beforeInput: readonly FileEntry[], afterInput: readonly FileEntry[]): TreeDiff {
  let byAfter = diffs.get(beforeInput);
  if (byAfter === undefined) diffs.set(beforeInput, (byAfter = new WeakMap()));
  let diff = byAfter.get(afterInput);
  if (diff === undefined) byAfter.set(afterInput, (diff = walkDiff(beforeInput, afterInput)));
  return diff;
}

/** A merge walk over both lists in path order: no per-path maps or directory sets (trees hold 100,000s of files). */
function walkDiff(beforeInput: readonly FileEntry[], afterInput: readonly FileEntry[]): TreeDiff {
  const before = sortedByPath(beforeInput);
  const after = sortedByPath(afterInput);
  // The first step's diff is its whole tree (read-only, so the list itself), rather than a walk pushing 280,000 entries one by one.
  if (before.length === 0) return { written: after, deleted: [] };
  const written: FileEntry[] = [];
  const deleted = new Set<string>();
  // Files of one directory share the answer to "which ancestor vanished": ask once per directory.
  const vanishedByParent = new Map<string, string | null>();
  // Deleted files come in path order: once a directory has vanished, the files after it under it need no look-up.
  let vanishedPrefix: string | undefined;
  const deletePath = (path: string): void => {
    if (vanishedPrefix !== undefined && path.startsWith(vanishedPrefix)) return;
    const slash = path.lastIndexOf('/');
    if (slash <= 0) return void deleted.add(path);
    const parent = path.slice(0, slash);
    let gone = vanishedByParent.get(parent);
    if (gone === undefined) {
      gone = highestVanishedDir(parent, after);
      vanishedByParent.set(parent, gone);
    }
    deleted.add(gone ?? path);
    vanishedPrefix = gone === null ? undefined : `${gone}/`;
  };
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const b = before[i];
    const a = after[j];
    // Consecutive trees share the entries of unchanged files: the same entry is the same path, unchanged.
    if (a === b) {
      i++;
      j++;
    } else if (a === undefined || (b !== undefined && b.path < a.path)) {
      deletePath((b as FileEntry).path);
      i++;
    } else if (b === undefined || a.path < b.path) {
      written.push(a);
      j++;
    } else {
      if (!sameFile(b, a)) written.push(a);
      i++;
      j++;
    }
  }
  return { written, deleted: [...deleted].sort() };
}
