import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every regular file under `root` as `path mode sha256`, sorted: two trees are byte-identical when equal. */
export async function treeDigest(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const st = await lstat(path);
    const rel = relative(root, path);
    if (entry.isFile()) out.push(`${rel} ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
    else if (entry.isDirectory()) out.push(`${rel}/`);
    else out.push(`${rel} (other)`);
  }
  return out.sort();
}

/** Every regular file under `root` (symlinks and other entries left out): relative path -> its bytes. */
export function treeFileBytes(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.set(relative(root, join(entry.parentPath, entry.name)), readFileSync(join(entry.parentPath, entry.name)));
  }
  return out;
}

/** Every symlink under `root`: relative path -> its target (as stored, never followed). */
export function treeSymlinks(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isSymbolicLink()) out.set(relative(root, join(entry.parentPath, entry.name)), readlinkSync(join(entry.parentPath, entry.name)));
  }
  return out;
}
