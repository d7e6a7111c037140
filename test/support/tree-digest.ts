import { createHash } from 'node:crypto';
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
