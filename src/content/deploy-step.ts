import { ShipbenchError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { nextVersion } from '../scenario/resolve.ts';
import type { ResolvedComponent, ResolvedScenario, ResolvedStep, VersionChoice } from '../scenario/resolved.ts';
import type { ContentTree } from './content-tree.ts';
import { changedEntry, compareEntryPaths, type FileEntry } from './file-entry.ts';
import { deriveCdbsInPlace, isUpstreamJson } from './l10n/l10n-cache-entries.ts';
import { isSortedByPath, mergeSortedRuns, upperBoundByPath } from './sorted-runs.ts';
import { componentDir, reviseEntry, trainChanges } from './tree-builder.ts';

/**
 * Deploy steps as mutations of the tree, each shaped like its real counterpart:
 * - backport: a few PHP files of one branch change (several times a day), optionally some are deleted;
 * - config: a few wmf-config files change;
 * - train: the oldest branch leaves, a new branch arrives as a copy of the newest with a share of files
 *   edited (mostly i18n JSON) and a rebuilt l10n cache;
 * - l10n: one branch's localisation cache is rebuilt: every language's upstream JSON changes (about 20% of
 *   its records), and each CDB file is rebuilt from its JSON.
 * Changed files are edits of their parent (reviseEntry), not new files.
 * Randomness is drawn from a stream named after the step, so steps never shift each other's choices.
 */
export function applyDeployStep(scenario: ResolvedScenario, tree: ContentTree, step: ResolvedStep, stepIndex: number): ContentTree {
  const rng = Rng.derive(scenario.seed, 'step', stepIndex, step.name);
  const revision = `s${stepIndex}`;
  const byName = new Map(scenario.content.components.map((c) => [c.name, c]));
  switch (step.kind) {
    case 'initial':
      return tree;
    case 'backport': {
      const version = pickVersion(tree, step.version);
      const candidates = (f: FileEntry) => f.version === version && f.kind === 'php' && byName.get(f.component)?.perVersion === true;
      return changeAndRemove(tree, candidates, step.files, step.removes, revision, rng, step.name);
    }
    case 'config':
      return changeAndRemove(tree, (f) => f.component === 'config', step.files, step.removes, revision, rng, step.name);
    case 'l10n': {
      const version = pickVersion(tree, step.version);
      const files = tree.files.map((f) => (f.version === version && isUpstreamJson(f) ? reviseEntry(f, revision, rng) : f));
      deriveCdbsInPlace(files);
      return { versions: tree.versions, files };
    }
    case 'train':
      return train(tree, step.churnShare, revision, rng, byName);
  }
}

function pickVersion(tree: ContentTree, choice: VersionChoice): string {
  const version = choice === 'newest' ? tree.versions[tree.versions.length - 1] : tree.versions[0];
  if (version === undefined) throw new Error('a tree with no live branch');
  return version;
}

export function changeAndRemove(
  tree: ContentTree,
  isCandidate: (f: FileEntry) => boolean,
  changes: number,
  removes: number,
  revision: string,
  rng: Rng,
  stepName: string,
): ContentTree {
  const candidates: number[] = [];
  tree.files.forEach((f, i) => {
    if (isCandidate(f)) candidates.push(i);
  });
  if (candidates.length < changes + removes) {
    throw new ShipbenchError('step-too-large', `deploy step "${stepName}" changes ${changes} and removes ${removes} files, but only ${candidates.length} files qualify`, {
      hint: 'lower files:/removes: of the step, or raise content.scale',
    });
  }
  const picked = rng.sampleIndices(candidates.length, changes + removes).map((k) => candidates[k] as number);
  // Shuffle-free split: the picked indices are sorted, so alternate by a draw to mix changes and removals.
  const removed = new Set<number>();
  const pool = [...picked];
  for (let r = 0; r < removes; r++) removed.add(pool.splice(rng.int(0, pool.length - 1), 1)[0] as number);
  // A copy of the list with the few changed entries replaced (revised in path order, as the draws go), rather
  // than a pass asking every one of 300,000 entries whether it changed.
  const files = [...tree.files];
  for (const i of pool.sort((a, b) => a - b)) files[i] = reviseEntry(files[i] as FileEntry, revision, rng);
  return { versions: tree.versions, files: removed.size === 0 ? files : files.filter((_, i) => !removed.has(i)) };
}

function train(tree: ContentTree, churn: number, revision: string, rng: Rng, byName: Map<string, ResolvedComponent>): ContentTree {
  const oldest = tree.versions[0];
  const newest = tree.versions[tree.versions.length - 1];
  if (oldest === undefined || newest === undefined) throw new Error('a tree with no live branch');
  const incoming = nextVersion(newest);
  // Where each component's files go on the incoming branch, and how much of their path is the newest branch's
  // dir: found once per component, not twice per file of the newest branch (140,000 in wikimedia-fleet).
  const moves = new Map([...byName].map(([name, c]) => [name, { incomingDir: componentDir(c, incoming), newestDirChars: componentDir(c, newest).length }]));
  // The oldest branch leaves (with one live branch, the train replaces it); one pass sorts out both.
  const survivors: FileEntry[] = [];
  const copies: FileEntry[] = [];
  for (let i = 0; i < tree.files.length; i++) {
    const f = tree.files[i] as FileEntry;
    if (f.version !== oldest) survivors.push(f);
    if (f.version !== newest) continue;
    const move = moves.get(f.component);
    if (move === undefined) continue;
    // Joined, as every path is (tree-builder.ts entryIn): a flat string.
    const moved = changedEntry(f, { path: [move.incomingDir, f.path.slice(move.newestDirChars)].join(''), version: incoming });
    copies.push(trainChanges(moved, churn, rng) ? reviseEntry(moved, revision, rng) : moved);
  }
  // The new branch's files go between two runs of the survivors (its dir lies between two of theirs): merged as
  // sorted runs, they are placed there without a sort of the whole tree.
  const newFiles = isSortedByPath(copies) ? copies : [...copies].sort(compareEntryPaths);
  const at = newFiles.length === 0 ? survivors.length : upperBoundByPath(survivors, (newFiles[0] as FileEntry).path);
  const files = mergeSortedRuns([survivors.slice(0, at), survivors.slice(at), newFiles]);
  deriveCdbsInPlace(files);
  const versions = [...tree.versions.slice(1), incoming];
  return { versions, files };
}
