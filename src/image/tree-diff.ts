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

function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

export function diffTrees(before: readonly FileEntry[], after: readonly FileEntry[]): TreeDiff {
  const afterByPath = new Map(after.map((f) => [f.path, f]));
  const beforeByPath = new Map(before.map((f) => [f.path, f]));
  const written = after.filter((f) => {
    const old = beforeByPath.get(f.path);
    return old === undefined || !sameFile(old, f);
  });
  const surviving = new Set<string>();
  for (const f of after) for (const d of parentDirs(f.path)) surviving.add(d);
  const deletedFiles = before.filter((f) => !afterByPath.has(f.path)).map((f) => f.path);
  const deleted = new Set<string>();
  for (const path of deletedFiles) {
    // The highest ancestor directory that no longer exists at all stands for everything under it.
    const gone = parentDirs(path).find((d) => !surviving.has(d));
    deleted.add(gone ?? path);
  }
  return { written, deleted: [...deleted].sort() };
}
