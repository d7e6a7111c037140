import { ShipbenchError } from '../core/errors.ts';
import { formatBytes } from '../core/units.ts';
import { Rng } from '../core/rng.ts';
import { MAX_FILE_BYTES } from '../scenario/content-limits.ts';
import type { ContentKind } from '../scenario/content-kind.ts';
import { DEFAULTS } from '../scenario/resolve.ts';
import type { ResolvedComponent, ResolvedScenario } from '../scenario/resolved.ts';
import type { ContentTree } from './content-tree.ts';
import { changedEntry, fileEntry, type FileEntry } from './file-entry.ts';
import { mergeSortedRuns } from './sorted-runs.ts';
import { fileNames, type DirectoryLayout } from './file-names.ts';
import { coupleSizesToDirectories } from './file-size-coupling.ts';
import { drawFileSizes } from './file-size-distribution.ts';
import { vendorCopies, type VendoredTree } from './vendored-copies.ts';
import { cdbEntryFor, deriveCdbsInPlace, isUpstreamJson, upstreamName } from './l10n/l10n-cache-entries.ts';
import { MIN_UPSTREAM_BYTES, upstreamBytesForCdb } from './l10n/upstream-json.ts';

/** Component dirs by branch: asked once per file (300,000 in a Wikimedia-scale tree), built once per branch. */
const dirsByBranch = new WeakMap<ResolvedComponent, Map<string, string>>();

/** Where a per-version component's files go: `{version}` in the dir becomes the branch, e.g. 1.45.0-wmf.2. */
export function componentDir(component: ResolvedComponent, version: string | undefined): string {
  if (version === undefined) return component.dir;
  let dirs = dirsByBranch.get(component);
  if (dirs === undefined) dirsByBranch.set(component, (dirs = new Map()));
  let dir = dirs.get(version);
  if (dir === undefined) dirs.set(version, (dir = component.dir.replaceAll('{version}', version)));
  return dir;
}

export function makeEntry(
  component: ResolvedComponent,
  version: string | undefined,
  relativePath: string,
  bytes: number,
  revision: string,
): FileEntry {
  return entryIn(component, componentDir(component, version), version, relativePath, bytes, relativePath, revision);
}

/**
 * makeEntry with the component's dir on that branch already looked up (a component's files share it), and the
 * content key of `keyPath`'s file (a vendored copy's is its source's).
 */
function entryIn(component: ResolvedComponent, dir: string, version: string | undefined, relativePath: string, bytes: number, keyPath: string, revision: string): FileEntry {
  return fileEntry(
    // Joined, not concatenated: V8 keeps a concatenation as a tree of its parts, which every later sort
    // comparison and layer-key hash of 300,000 entries would walk; a join makes one flat string.
    [dir, '/', relativePath].join(''),
    bytes,
    component.kind === 'binary' && /\.(so|bin)$/.test(relativePath) ? 0o755 : 0o644,
    component.kind,
    // The key omits the branch: a file unchanged between two branches has the same bytes in both, as in git.
    [component.name, '/', keyPath, '@', revision].join(''),
    component.name,
    version,
  );
}

/**
 * A changed file: size nudged by up to ±2% (edits rarely change a file's size much), and a content key that
 * names its parent and the revision, `<parent key>=<parent bytes>+<revision>`: the synthesizer splices a few
 * hunks into the parent's bytes, so the change is what a real edit is to rsync's delta transfer.
 */
export function reviseEntry(entry: FileEntry, revision: string, rng: Rng): FileEntry {
  const bytes = Math.max(1, Math.round(entry.bytes * (0.98 + 0.04 * rng.next())));
  return changedEntry(entry, { bytes, contentKey: [entry.contentKey, '=', entry.bytes, '+', revision].join('') });
}

/**
 * Validation refuses a component whose average file is too big (content-limits.ts); the long tail of the size
 * law can still draw one file beyond what a buffer and one write hold: refuse it here, before any byte is written.
 */
function assertBuildable(component: ResolvedComponent, sizes: readonly number[]): void {
  const largest = sizes.reduce((m, s) => Math.max(m, s), 0);
  if (largest <= MAX_FILE_BYTES) return;
  throw new ShipbenchError('content-too-large', `component "${component.name}" (${component.files} files, ${formatBytes(component.bytes)}) draws a file of ${formatBytes(largest)}, but one generated file is at most ${formatBytes(MAX_FILE_BYTES)}`, {
    hint: `give it more files or less size (scale included): its files average ${formatBytes(component.bytes / component.files)}`,
  });
}

/**
 * How much of each kind a train changes, relative to the train's churn share: real weekly trains change
 * mostly i18n JSON (a point release: 2,563 of 3,473 changed files), code far less, images hardly.
 */
const TRAIN_CHURN_WEIGHT: Record<ContentKind, number> = { json: 2.5, php: 0.6, js: 0.6, css: 0.3, image: 0.1, binary: 0.2, cdb: 0, data: 0.6, text: 0.3 };

/**
 * Whether a train (or a branch cut) changes this file. Every branch builds its own l10n cache: its upstream
 * JSON always changes, and its CDB files follow from the JSON (deriveCdbsInPlace), never drawn on their own.
 */
export function trainChanges(entry: FileEntry, churn: number, rng: Rng): boolean {
  if (isUpstreamJson(entry)) return true;
  return entry.kind !== 'cdb' && rng.next() < Math.min(1, churn * TRAIN_CHURN_WEIGHT[entry.kind]);
}

/** A component's entries on one branch, and each one's path relative to the component's dir. */
interface BranchEntries {
  readonly entries: FileEntry[];
  readonly relativePaths: readonly string[];
}

/**
 * A component's entries on one branch from its drawn names and sizes. An l10n cache (kind cdb) holds, per
 * language, the upstream JSON (sized so its CDB comes close to the drawn size) and the CDB built from it.
 */
function componentEntries(component: ResolvedComponent, version: string | undefined, tree: VendoredTree): BranchEntries {
  const { names, sizes, copyOf } = tree;
  if (component.kind !== 'cdb') {
    const dir = componentDir(component, version);
    const entries = new Array<FileEntry>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      // A vendored copy holds its source's bytes: the same content key.
      const source = copyOf.size === 0 ? undefined : copyOf.get(i);
      entries[i] = entryIn(component, dir, version, name, sizes[i] as number, source === undefined ? name : (names[source] as string), 'r0');
    }
    return { entries, relativePaths: names };
  }
  const entries = names.flatMap((name, i) => {
    const cdb = makeEntry(component, version, name, sizes[i] as number, 'r0');
    const json = changedEntry(makeEntry(component, version, upstreamName(name), Math.max(MIN_UPSTREAM_BYTES, upstreamBytesForCdb(sizes[i] as number)), 'r0'), { kind: 'json' });
    return [json, cdbEntryFor(json, cdb.path)];
  });
  return { entries, relativePaths: names.flatMap((name) => [upstreamName(name), name]) };
}

const DEFAULT_TRAIN_CHURN = DEFAULTS.trainChurn;

/**
 * Each component's directory layout: components with one dir share its directory tree (fileNames), CamelCase
 * when one of them is PHP. The layout's stream is derived from the dir, so a layout is the same whichever
 * components share it, and fresh per component (each walks the same sequence from its start).
 */
function directoryLayouts(scenario: ResolvedScenario): (component: ResolvedComponent) => DirectoryLayout {
  const phpDirs = new Set(scenario.content.components.filter((c) => c.kind === 'php').map((c) => c.dir));
  return (component) => ({ rng: Rng.derive(scenario.seed, 'layout', component.dir), lowerCase: !phpDirs.has(component.dir) });
}

/**
 * The indices of a component's entries in path order (ties: the lower index first, as a stable sort keeps
 * them), from the paths relative to its dir: they order as the whole paths do, and skip comparing the ~40
 * characters every path of the component starts with.
 */
function pathOrder(relativePaths: readonly string[]): number[] {
  return relativePaths.map((_, i) => i).sort((a, b) => {
    const x = relativePaths[a] as string;
    const y = relativePaths[b] as string;
    // As compareEntryPaths: not before and not equal is after.
    return x < y ? -1 : x === y ? a - b : 1;
  });
}

/**
 * The tree of the initial step. Older live branches differ from the next one as a train's churn would
 * make them differ: the oldest branch is revision r0, each later branch edits a share of its files.
 */
export function buildInitialTree(scenario: ResolvedScenario, churnBetweenBranches = DEFAULT_TRAIN_CHURN): ContentTree {
  // Each component's entries per branch, each block in path order, merged once at the end.
  const blocks: FileEntry[][] = [];
  const versions = scenario.content.versions;
  const layoutOf = directoryLayouts(scenario);
  for (const component of scenario.content.components) {
    const rng = Rng.derive(scenario.seed, 'component', component.name);
    const names = fileNames(rng, component.kind, component.files, layoutOf(component));
    const sizes = coupleSizesToDirectories(rng, component.kind, names, drawFileSizes(rng, component.kind, component.files, component.bytes));
    const tree = vendorCopies(Rng.derive(scenario.seed, 'vendored', component.name), component.kind, names, sizes);
    assertBuildable(component, tree.sizes);
    const first = componentEntries(component, component.perVersion ? versions[0] : undefined, tree);
    const order = pathOrder(first.relativePaths);
    let previous = first.entries;
    blocks.push(order.map((i) => previous[i] as FileEntry));
    if (!component.perVersion) continue;
    for (let v = 1; v < versions.length; v++) {
      const version = versions[v] as string;
      const dir = componentDir(component, version);
      const branchRng = Rng.derive(scenario.seed, 'branch', component.name, version);
      // Each branch builds its own l10n cache, so no cache file is shared between branches.
      previous = previous.map((e, i) => {
        const moved = changedEntry(e, { path: [dir, '/', first.relativePaths[i] as string].join(''), version });
        return trainChanges(moved, churnBetweenBranches, branchRng) ? reviseEntry(moved, `b${v}`, branchRng) : moved;
      });
      // A branch's paths are the first branch's under another dir: the same order, without comparing again.
      blocks.push(order.map((i) => previous[i] as FileEntry));
    }
  }
  // Sorted runs, merged in the order (ties included) one sort of everything gives.
  const files = mergeSortedRuns(blocks);
  deriveCdbsInPlace(files);
  return { versions, files };
}
