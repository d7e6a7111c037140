import { createHash } from 'node:crypto';
import { lutimes, mkdir, open, symlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ContentSynthesizer, FileEntry } from './file-entry.ts';
import { upstreamOfCdb } from './l10n/l10n-cache-entries.ts';
import { synthesisBuffer } from './synthesis-buffer.ts';

const SCRATCH_BYTES = 4 * 2 ** 20;
/** Bump when what writeTree puts on disk changes (it did: content-derived mtimes), so old trees are rewritten. */
export const TREE_FORMAT_VERSION = 'shipbench-tree/2';
/** 2020-09-13: the epoch deterministic mtimes count from. */
const MTIME_EPOCH_SECONDS = 1_600_000_000;

/**
 * A file's mtime as a function of its content identity: the same file in two steps' trees gets the same
 * mtime, a changed one (almost surely) another. rsync's quick check (size + mtime) then skips exactly the
 * unchanged files, as it does on a real staging tree that git leaves alone, and same seed gives same trees.
 * An l10n CDB takes its upstream JSON's mtime, as scap's rebuild on a node sets it.
 */
export function contentMtimeSeconds(entry: Pick<FileEntry, 'contentKey' | 'bytes' | 'mode' | 'kind'>): number {
  const source = upstreamOfCdb(entry);
  if (source !== undefined) return contentMtimeSeconds(source);
  const digest = createHash('sha256').update(`${entry.kind}\0${entry.contentKey}\0${entry.bytes}\0${entry.mode}`).digest();
  return MTIME_EPOCH_SECONDS + (digest.readUInt32BE(0) % 100_000_000);
}

/**
 * Materialises files as a plain directory tree (what the code-in-volume side ships with rsync).
 * Files are written with their modes and content-derived mtimes, directories with a fixed mtime; one
 * scratch buffer serves every file that fits in it. `root` must be new or empty: this never removes
 * anything (the caller owns that decision: see the output contract in core/output-contract.ts).
 */
export async function writeTree(files: readonly FileEntry[], synth: ContentSynthesizer, root: string): Promise<{ files: number; bytes: number }> {
  await mkdir(root, { recursive: true });
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  const made = new Set<string>();
  const links = new Set(files.filter((f) => f.linkTarget !== undefined).map((f) => join(root, f.path)));
  let bytes = 0;
  for (const entry of files) {
    const path = join(root, entry.path);
    const dir = dirname(path);
    if (!made.has(dir)) {
      if (links.size > 0) refuseThroughLink(dir, root, links);
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    if (entry.linkTarget !== undefined) {
      // Made as a link, never followed: its mtime is set on the link itself.
      await symlink(entry.linkTarget, path);
      const mtime = contentMtimeSeconds(entry);
      await lutimes(path, mtime, mtime);
      continue;
    }
    const target = entry.bytes <= SCRATCH_BYTES ? scratch : synthesisBuffer(entry, undefined);
    synth.fill(entry, target);
    const handle = await open(path, 'w', entry.mode);
    try {
      // A write may take less than asked (Linux: at most 2 GiB less a page per call): loop until all is in.
      for (let done = 0; done < entry.bytes; ) done += (await handle.write(target, done, entry.bytes - done, done)).bytesWritten;
      await handle.chmod(entry.mode);
      const mtime = contentMtimeSeconds(entry);
      await handle.utimes(mtime, mtime);
    } finally {
      await handle.close();
    }
    bytes += entry.bytes;
  }
  // Deepest first, after every file is in: setting a directory's times does not touch its parent's.
  const dirs = new Set([root]);
  for (const dir of made) for (let d = dir; d.length > root.length && !dirs.has(d); d = dirname(d)) dirs.add(d);
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await utimes(dir, MTIME_EPOCH_SECONDS, MTIME_EPOCH_SECONDS);
  return { files: files.length, bytes };
}

/** A file under a path the tree holds as a symlink would be written through the link: refused, never done. */
function refuseThroughLink(dir: string, root: string, links: ReadonlySet<string>): void {
  for (let d = dir; d.length > root.length; d = dirname(d)) {
    if (links.has(d)) throw new Error(`${dir.slice(root.length + 1)} lies under ${d.slice(root.length + 1)}, which the tree holds as a symlink`);
  }
}
