import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShipbenchError } from '../../core/errors.ts';
import { git, type ResolvedContentSource } from '../../scenario/content-source.ts';
import { compareEntryPaths, fileEntry, symlinkEntry, type FileEntry } from '../file-entry.ts';
import { RealContent } from './real-content.ts';
import { realFileKind } from './real-file-kind.ts';
import { sourceComponentMatcher } from './source-component-map.ts';

type GitSource = Extract<ResolvedContentSource, { kind: 'git' }>;

export interface GitRefTree {
  readonly ref: string;
  readonly commit: string;
  readonly files: FileEntry[];
  /** Paths of submodules in the tree: not shipped. */
  readonly skipped: readonly string[];
}

/**
 * Each ref's tree, read with git's own plumbing (rev-parse, ls-tree, cat-file), which only reads the
 * repository: no checkout, no worktree, no index, no lock (GIT_OPTIONAL_LOCKS=0). Blobs go once each into
 * `blobDir` (under --out), where layers and trees read them; files unchanged between refs keep their blob
 * and so their content key, so the diff between two steps' trees is git's diff. A symlink (mode 120000) is
 * a blob holding its target: it becomes a link entry with that target, as a checkout would make it.
 */
export async function readGitSource(source: GitSource, real: RealContent, blobDir: string): Promise<GitRefTree[]> {
  const componentOf = sourceComponentMatcher(source.components);
  const trees = source.refs.map((ref) => {
    const commit = git(source.repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    if (commit === undefined) throw new ShipbenchError('content-source-bad-ref', `"${ref}" is not a commit of ${source.repo}`, { hint: 'name a branch, tag or commit the repository holds' });
    const listing = git(source.repo, ['ls-tree', '-r', '-z', '--full-tree', '-l', commit]);
    if (listing === undefined) throw new ShipbenchError('content-source-unreadable', `git ls-tree failed on ${ref} (${commit}) in ${source.repo}`, { hint: 'check the repository with git fsck' });
    const files: FileEntry[] = [];
    const links: Array<{ path: string; oid: string }> = [];
    const skipped: string[] = [];
    for (const line of listing.split('\0')) {
      if (line === '') continue;
      const tab = line.indexOf('\t');
      const [mode, type, oid, size] = line.slice(0, tab).split(/ +/) as [string, string, string, string];
      const path = line.slice(tab + 1);
      if (type === 'blob' && mode === '120000') {
        links.push({ path, oid });
        continue;
      }
      if (type !== 'blob' || (mode !== '100644' && mode !== '100755')) {
        skipped.push(path);
        continue;
      }
      const key = RealContent.gitBlobKey(oid);
      real.add(key, join(blobDir, oid));
      files.push(fileEntry(`${source.at}/${path}`, Number(size), mode === '100755' ? 0o755 : 0o644, realFileKind(path), key, componentOf(path), undefined));
    }
    return { ref, commit, files, links, skipped };
  });
  const oids = new Set(trees.flatMap((t) => [...t.files.map((f) => f.contentKey.slice(f.contentKey.lastIndexOf(':') + 1)), ...t.links.map((l) => l.oid)]));
  await mkdir(blobDir, { recursive: true });
  await catBlobs(source.repo, [...oids].filter((oid) => !existsSync(join(blobDir, oid))), blobDir);
  const targets = new Map<string, string>();
  for (const oid of new Set(trees.flatMap((t) => t.links.map((l) => l.oid)))) targets.set(oid, await readFile(join(blobDir, oid), 'utf8'));
  return trees.map(({ ref, commit, files, links, skipped }) => {
    for (const link of links) files.push(symlinkEntry(`${source.at}/${link.path}`, targets.get(link.oid) as string, componentOf(link.path)));
    return { ref, commit, files: files.sort(compareEntryPaths), skipped };
  });
}

/** `git cat-file --batch` once for all missing blobs, each written to blobDir/<oid> (via a temporary name). */
async function catBlobs(repo: string, oids: readonly string[], blobDir: string): Promise<void> {
  if (oids.length === 0) return;
  const child = spawn('git', ['-C', repo, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(`${oids.join('\n')}\n`);
  let held = Buffer.alloc(0);
  for await (const chunk of child.stdout) {
    held = Buffer.concat([held, chunk as Buffer]);
    for (;;) {
      const eol = held.indexOf(10);
      if (eol < 0) break;
      const [oid, type, size] = held.subarray(0, eol).toString('latin1').split(' ') as [string, string, string];
      if (type !== 'blob') throw new ShipbenchError('content-source-unreadable', `git cat-file in ${repo}: ${held.subarray(0, eol).toString()}`, { hint: 'check the repository with git fsck' });
      const end = eol + 1 + Number(size);
      if (held.length < end + 1) break;
      const temporary = join(blobDir, `.${oid}.part`);
      await writeFile(temporary, held.subarray(eol + 1, end));
      await rename(temporary, join(blobDir, oid));
      held = held.subarray(end + 1);
    }
  }
  const code = await exited;
  if (code !== 0) throw new ShipbenchError('content-source-unreadable', `git cat-file failed in ${repo} (exit ${String(code)}): ${stderr.trim()}`, { hint: 'check the repository with git fsck' });
}
