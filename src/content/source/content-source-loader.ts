import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { formatBytes } from '../../core/units.ts';
import type { ResolvedContentSource } from '../../scenario/content-source.ts';
import type { ResolvedScenario, ResolvedStep } from '../../scenario/resolved.ts';
import type { ContentTree } from '../content-tree.ts';
import { compareEntryPaths, type FileEntry } from '../file-entry.ts';
import type { ContentSourceLabel } from './content-source-label.ts';
import { readDirSource } from './dir-source.ts';
import { readGitSource } from './git-source.ts';
import { RealContent } from './real-content.ts';
import { applyRealDeployStep } from './real-deploy-step.ts';

/** A real source, read: the bytes behind its keys, its label, and the real files of each deploy step's tree. */
export interface LoadedContentSource {
  readonly label: ContentSourceLabel;
  readonly real: RealContent;
  /** dir: the initial tree (steps edit it); git: one tree per ref, in deploy order. */
  readonly trees: ReadonlyArray<readonly FileEntry[]>;
  /** What the source holds that is not shipped: git submodules, an image's special files (devices, FIFOs). */
  readonly skipped: number;
}

/** Where a git source's blobs are kept, under the run's output directory. */
export const sourceBlobDir = (outDir: string): string => join(outDir, 'content-source', 'git-blobs');

/** Where an image source's rootfs is unpacked, under the run's output directory. */
export const sourceRootfsDir = (outDir: string): string => join(outDir, 'content-source', 'rootfs');

/**
 * Unpacks an image's rootfs into a directory (image/image-rootfs.ts, handed in by the command: reading
 * images and registries sits above content in the house's layering).
 */
export type FlattenImage = (image: string, into: string) => Promise<{ readonly image: string; readonly layers: number; readonly skipped: number }>;

/** Reads the scenario's content source (read-only), or undefined for synthetic content. */
export async function loadContentSource(scenario: ResolvedScenario, outDir: string, flattenImage?: FlattenImage): Promise<LoadedContentSource | undefined> {
  const source = scenario.content.source;
  if (source === undefined) return undefined;
  const real = new RealContent();
  if (source.kind === 'image') {
    if (flattenImage === undefined) throw new Error('an image content source needs an image reader');
    const into = sourceRootfsDir(outDir);
    const flat = await flattenImage(source.image, into);
    const read = await readDirSource({ dir: into, at: source.at, components: source.components }, real);
    const skipped = flat.skipped;
    const bytes = read.files.reduce((n, f) => n + f.bytes, 0);
    const detail = `${flat.image}, ${flat.layers} layers flattened: ${read.files.length - read.symlinks} files, ${formatBytes(bytes)}${symlinksText(read.symlinks)}${skippedText(skipped, 'special files')}`;
    return { label: { kind: 'image', location: source.image, detail, digest: treeDigest([read.files]) }, real, trees: [read.files], skipped };
  }
  if (source.kind === 'dir') {
    const read = await readDirSource(source, real);
    const bytes = read.files.reduce((n, f) => n + f.bytes, 0);
    const label = { kind: 'dir', location: source.dir, detail: `${read.files.length - read.symlinks} files, ${formatBytes(bytes)}${symlinksText(read.symlinks)}`, digest: treeDigest([read.files]) } as const;
    return { label, real, trees: [read.files], skipped: 0 };
  }
  const refs = await readGitSource(source, real, sourceBlobDir(outDir));
  const skipped = new Set(refs.flatMap((r) => r.skipped)).size;
  const detail = `${refs.map((r) => `${r.ref} @ ${r.commit.slice(0, 12)}`).join(', ')}${skippedText(skipped, 'submodules')}`;
  return { label: { kind: 'git', location: source.repo, detail, digest: treeDigest(refs.map((r) => r.files)) }, real, trees: refs.map((r) => r.files), skipped };
}

const skippedText = (n: number, what: string): string => (n === 0 ? '' : `; ${n} ${what} not shipped`);
const symlinksText = (n: number): string => (n === 0 ? '' : ` and ${n} symlinks (shipped as links)`);

function treeDigest(trees: ReadonlyArray<readonly FileEntry[]>): string {
  const hash = createHash('sha256');
  trees.forEach((files, i) => {
    hash.update(`tree ${i}\n`);
    for (const f of files) hash.update(`${f.path}\0${f.mode.toString(8)}\0${f.contentKey}\n`);
  });
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Every deploy step's tree: the synthetic base image (the preset's base components) beside the real files;
 * a dir source edited by the scenario's steps, a git source one ref per step.
 */
export function sourceStepTrees(scenario: ResolvedScenario, source: ResolvedContentSource, loaded: LoadedContentSource, base: readonly FileEntry[]): Array<{ step: ResolvedStep; tree: ContentTree }> {
  const withBase = (files: readonly FileEntry[]): ContentTree => ({ versions: [], files: [...base, ...files].sort(compareEntryPaths) });
  if (source.kind === 'git') return scenario.deploy.map((step, i) => ({ step, tree: withBase(loaded.trees[i] ?? []) }));
  const out: Array<{ step: ResolvedStep; tree: ContentTree }> = [];
  let tree = withBase(loaded.trees[0] ?? []);
  scenario.deploy.forEach((step, i) => {
    for (const merge of step.batch ?? [{ index: i, step }]) tree = applyRealDeployStep(scenario, tree, merge.step, merge.index);
    out.push({ step, tree });
  });
  return out;
}
