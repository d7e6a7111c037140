import type { FileEntry } from '../content/file-entry.ts';

/** What changed between two sorted file lists: the files to (re)write and the paths to delete. */
export interface TreeDiff {
  /** Added or changed files, sorted by path. */
  readonly written: FileEntry[];
  /**
   * Deleted paths, sorted, collapsed to the highest directory that vanished entirely, so a train that
   * drops a branch deletes one directory rather than 130,000 files (one whiteout, as `docker diff` would).
   */
  readonly deleted: string[];
}

function sameFile(a: FileEntry, b: FileEntry): boolean {
  return a === b || (a.contentKey === b.contentKey && a.bytes === b.bytes && a.mode === b.mode && a.kind === b.kind);
}

/** Adds every ancestor directory of `path` to `dirs`, deepest first, stopping at one already there (its ancestors are too). */
function addParentDirs(path: string, dirs: Set<string>): void {
  for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
    const dir = path.slice(0, end);
    if (dirs.has(dir)) return;
    dirs.add(dir);
  }
}

/** The highest ancestor directory of `path` not in `surviving`, if any. */
function highestVanishedDir(path: string, surviving: ReadonlySet<string>): string | undefined {
  for (let end = path.indexOf('/'); end > 0; end = path.indexOf('/', end + 1)) {
    const dir = path.slice(0, end);
    if (!surviving.has(dir)) return dir;
  }
  return undefined;
}

export function diffTrees(before: readonly FileEntry[], after: readonly FileEntry[]): TreeDiff {
  const afterByPath = new Map(after.map((f) => [f.path, f]));
  const beforeByPath = new Map(before.map((f) => [f.path, f]));
  const written = after.filter((f) => {
    const old = beforeByPath.get(f.path);
    return old === undefined || !sameFile(old, f);
  });
  const surviving = new Set<string>();
  for (const f of after) addParentDirs(f.path, surviving);
  const deletedFiles = before.filter((f) => !afterByPath.has(f.path)).map((f) => f.path);
  const deleted = new Set<string>();
  for (const path of deletedFiles) {
    // The highest ancestor directory that no longer exists at all stands for everything under it.
    const gone = highestVanishedDir(path, surviving);
    deleted.add(gone ?? path);
  }
  return { written, deleted: [...deleted].sort() };
}
