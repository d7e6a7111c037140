import { lstat, open, readdir, readFile, rename, rmdir, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UPSTREAM_DIR } from '../content/l10n/l10n-cache-entries.ts';
import { cdbFromUpstreamJson } from '../content/l10n/upstream-json.ts';
import type { L10nRebuildFigures } from '../metrics/volume-sample.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

/** The rsync filter rules of scap's sync: l10n CDB files are never shipped (and so never deleted), nor editor swap files. */
export const SCAP_EXCLUDES = ['--exclude=**/cache/l10n/*.cdb', '--exclude=*.swp'] as const;

/** Whether scap's excludes keep a path out of rsync (CDB files right under a cache/l10n directory, swap files), for the model's plan. */
export function isScapExcluded(path: string): boolean {
  // The suffix first: the model asks this of every file of every step's tree.
  return (path.endsWith('.cdb') && /(^|\/)cache\/l10n\/[^/]+\.cdb$/.test(path)) || path.endsWith('.swp');
}

/** scap's excludes when the nodes rebuild their l10n caches; with `ship`, the CDB files go over the wire too. */
export function rsyncExcludes(scenario: ResolvedScenario): readonly string[] {
  return scenario.volume.l10n === 'rebuild' ? SCAP_EXCLUDES : [];
}

const UPSTREAM_SUFFIX = '.json';

/**
 * What scap does on a target after its rsync (`scap cdb-rebuild`, merge_cdb_updates with trust_mtime): for
 * each l10n cache directory, every language whose upstream JSON's mtime differs from its CDB's (the JSON
 * changed, or the CDB is missing) gets its CDB rebuilt from the JSON, written aside, fsynced and renamed into
 * place, with the JSON's mtime. A JSON rsync wrote during this sync (ctime from `sinceMs` on) counts as
 * changed too: a tree unpacked from an image (the hybrid side) gives every file one mtime, so the mtime
 * alone would miss a change there. A CDB whose JSON is gone (a branch rsync deleted, its excluded CDBs left
 * behind) is removed, with the directories it leaves empty, as scap's branch clean-up would.
 * Real writes on the node's disk and CPU in this process, inside the node's measured sync.
 * A real source ships its symlinks as links (Debian's tree: `config -> /var/lib/mediawiki/config`): a cache
 * directory, upstream directory or JSON reached through a link is left alone, never read, written or
 * cleaned through it, so the rebuild stays inside the node's tree.
 */
export async function rebuildL10nCaches(scenario: ResolvedScenario, nodeRoot: string, sinceMs: number): Promise<L10nRebuildFigures> {
  const started = performance.now();
  const figures = { languages: 0, jsonBytesRead: 0, cdbBytesWritten: 0, removed: 0, seconds: 0 };
  // File times come from the kernel's coarse clock, a tick behind Date.now() at most.
  const writtenSinceMs = sinceMs - CLOCK_TICK_MS;
  for (const dir of await cacheDirs(scenario, nodeRoot)) await rebuildDir(dir, writtenSinceMs, figures);
  figures.seconds = (performance.now() - started) / 1000;
  return figures;
}

const CLOCK_TICK_MS = 20;

async function rebuildDir(dir: string, writtenSinceMs: number, figures: { languages: number; jsonBytesRead: number; cdbBytesWritten: number; removed: number }): Promise<void> {
  const upstream = join(dir, UPSTREAM_DIR);
  const sources = new Set((await isDirectory(upstream) ? await listNames(upstream) : []).filter((n) => n.endsWith(`.cdb${UPSTREAM_SUFFIX}`)).map((n) => n.slice(0, -UPSTREAM_SUFFIX.length)));
  for (const name of [...sources].sort()) {
    const jsonPath = join(upstream, `${name}${UPSTREAM_SUFFIX}`);
    const cdbPath = join(dir, name);
    const json = await lstat(jsonPath);
    if (!json.isFile()) continue;
    const cdbMtime = await lstat(cdbPath).then((s) => Math.floor(s.mtimeMs / 1000), () => undefined);
    const jsonMtime = Math.floor(json.mtimeMs / 1000);
    if (cdbMtime === jsonMtime && json.ctimeMs < writtenSinceMs) continue;
    const data = await readFile(jsonPath);
    const cdb = cdbFromUpstreamJson(data);
    const temporary = `${cdbPath}.tmp`;
    // Created afresh ('wx' never follows a link): whatever a crash or the tree left at that name goes first.
    await unlink(temporary).catch(() => undefined);
    const handle = await open(temporary, 'wx', 0o644);
    try {
      for (let done = 0; done < cdb.length; ) done += (await handle.write(cdb, done, cdb.length - done, done)).bytesWritten;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, cdbPath);
    await utimes(cdbPath, jsonMtime, jsonMtime);
    figures.languages++;
    figures.jsonBytesRead += data.length;
    figures.cdbBytesWritten += cdb.length;
  }
  for (const name of await listNames(dir)) {
    if (!name.endsWith('.cdb') || sources.has(name)) continue;
    await unlink(join(dir, name));
    figures.removed++;
  }
  if (sources.size === 0) await removeEmptyDirs(dir);
}

/** The directory and its parents while they are empty (what rsync could not delete for the excluded CDBs in them). */
async function removeEmptyDirs(dir: string): Promise<void> {
  for (let d = dir; (await listNames(d)).length === 0; d = dirname(d)) {
    if (!(await rmdir(d).then(() => true, () => false))) return;
  }
}

async function listNames(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/**
 * The node's l10n cache directories: each cdb component's dir, with `{version}` matched against what the
 * node's tree holds (a branch that left the fleet included, so its left-over CDBs are found).
 */
async function cacheDirs(scenario: ResolvedScenario, root: string): Promise<string[]> {
  const dirs = new Set<string>();
  for (const component of scenario.content.components) {
    if (component.kind !== 'cdb') continue;
    for (const dir of await expand(root, component.dir.split('/'))) dirs.add(dir);
  }
  return [...dirs].sort();
}

/** A directory itself, not a symlink to one (nor anything else). */
async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() === true;
}

async function expand(at: string, segments: readonly string[], top = true): Promise<string[]> {
  // Below the node's root, only real directories: never through a symlink the tree shipped.
  if (!top && !(await isDirectory(at))) return [];
  const [segment, ...rest] = segments;
  if (segment === undefined) return [at];
  if (!segment.includes('{version}')) return expand(join(at, segment), rest, false);
  const [before, after] = segment.split('{version}') as [string, string];
  const matches = (await listNames(at)).filter((n) => n.length > before.length + after.length && n.startsWith(before) && n.endsWith(after));
  return (await Promise.all(matches.map((n) => expand(join(at, n), rest, false)))).flat();
}
