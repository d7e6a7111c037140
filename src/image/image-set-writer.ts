import { createHash } from 'node:crypto';
import type { LoadedContentSource } from '../content/source/content-source-loader.ts';
import type { ContentSourceLabel } from '../content/source/content-source-label.ts';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ContentSynthesizer, FileEntry } from '../content/file-entry.ts';
import { TREE_FORMAT_VERSION, writeTree } from '../content/tree-writer.ts';
import { prepareOutputDir } from '../core/output-dir.ts';
import { assertReplaceable, hasOutputMarker, replaceOwnDir, writeOutputMarker } from '../core/output-contract.ts';
import { estimateBlobBytes } from './blob-size-estimate.ts';
import type { ImageSetPlan, PlannedLayer } from './image-set-plan.ts';
import { baseComponentNames } from './layer-grouping.ts';
import { LayerCache } from './layer-cache.ts';
import type { BuiltLayer } from './layer-spec.ts';
import { writeLayer } from './layer-writer.ts';
import { type IndexEntry, initLayout, linkBlob, writeImage, writeIndex } from './oci-layout-writer.ts';
import type { GzipWorkerPool } from './parallel-gzip.ts';

/** Progress of `generateImageSet`; the CLI renders these, the writer never prints (rule 3). */
export type GenerateEvent =
  | { readonly type: 'planned'; readonly layers: number; readonly cached: number; readonly plannedBytes: number; readonly compressor: string }
  | { readonly type: 'layer-built'; readonly done: number; readonly total: number; readonly layer: BuiltLayer; readonly seconds: number }
  | { readonly type: 'layout-written'; readonly strategy: string; readonly dir: string; readonly images: number }
  | { readonly type: 'tree-written'; readonly step: string; readonly dir: string; readonly files: number; readonly bytes: number }
  | { readonly type: 'warning'; readonly warning: GenerateWarning };

/** Warnings are data (ARCHITECTURE.md rule 6): returned with the result, and sent as events to be printed. */
export interface GenerateWarning {
  readonly kind: 'layer-cache-corrupt';
  readonly message: string;
  readonly fix: string;
  readonly digest: string;
}

export interface GenerateOptions {
  readonly outDir: string;
  /** Also write each step's plain code tree under `outDir/trees/<step>/`. */
  readonly trees: boolean;
  readonly synth: ContentSynthesizer;
  readonly pool: GzipWorkerPool;
  readonly onEvent?: (event: GenerateEvent) => void;
  /** Stops between layers, images and trees: a layer cut short is not cached, a tree without its digest file is written again. */
  readonly signal?: AbortSignal | undefined;
}

export interface GeneratedImage {
  readonly step: string;
  readonly manifestDigest: string;
  readonly layers: readonly BuiltLayer[];
  readonly note: string | undefined;
}

export interface GeneratedStrategy {
  readonly name: string;
  readonly layoutDir: string;
  readonly images: readonly GeneratedImage[];
}

export interface GeneratedImageSet {
  readonly outDir: string;
  readonly strategies: readonly GeneratedStrategy[];
  /** What compressed the layers: engine, level and output fingerprint (GzipWorkerPool.fingerprint), or `none`. */
  readonly compressor: string;
  readonly layersBuilt: number;
  readonly layersReused: number;
  /** Uncompressed tar bytes of the layers built by this run (what was synthesised and compressed). */
  readonly builtTarBytes: number;
  readonly builtBlobBytes: number;
  readonly seconds: number;
  readonly trees: ReadonlyArray<{ readonly step: string; readonly dir: string; readonly files: number; readonly bytes: number }>;
  readonly warnings: readonly GenerateWarning[];
  /**
   * By content key, what building each layer took, as the generator measured it when it built the layer (now,
   * or when the cache got it); layers cached before build times were kept are missing.
   */
  readonly layerBuilds?: Readonly<Record<string, LayerBuild>>;
  /** The scenario's content source as read for this set (content.source); absent for synthetic content. */
  readonly contentSource?: LoadedContentSource | undefined;
  /** `run --image`: existing images shipped as built (nothing generated, no build phase); what they are. */
  readonly external?: ContentSourceLabel | undefined;
}

/** One layer's build as the generator timed it: synthesis, tar and compression into its blob. */
export interface LayerBuild {
  readonly seconds: number;
  readonly bytes: number;
}

export const CACHE_DIR = '.cache';

/** The digest file beside a step's tree: written (as `pending`) before the tree, it proves shipbench made it. */
const treeDigestFile = (dir: string): string => `${dir}.sha256`;

/**
 * A step's tree is shipbench's when its digest file sits beside it: no marker goes inside, since the tree
 * is what rsync ships and what an unpacked image is compared with.
 */
async function isOwnTree(dir: string): Promise<boolean> {
  return (await stat(treeDigestFile(dir)).catch(() => undefined))?.isFile() === true;
}

/** The trees directory an older shipbench wrote (before markers): every directory in it has its digest file. */
async function isOwnTreesDir(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory());
  return dirs.length > 0 && (await Promise.all(dirs.map((e) => isOwnTree(join(dir, e.name))))).every(Boolean);
}

/** A layout an older shipbench wrote (before markers): an OCI layout whose images carry shipbench's annotations. */
async function isOwnLayout(dir: string): Promise<boolean> {
  if (await hasOutputMarker(dir)) return true;
  try {
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: Array<{ annotations?: Record<string, string> }> };
    const manifests = index.manifests ?? [];
    return manifests.length > 0 && manifests.every((m) => m.annotations?.['io.shipbench.scenario'] !== undefined) && (await stat(join(dir, 'oci-layout'))).isFile();
  } catch {
    return false;
  }
}

/**
 * Writes a step's tree unless the same tree (same entries, same seed) is already there, as a digest file
 * beside it says: `run` after `generate --tree` then costs no rewrite. The digest is written last, so a tree
 * cut short by a crash is written again.
 */
async function writeTreeOnce(files: readonly FileEntry[], synth: ContentSynthesizer, dir: string, seed: string): Promise<{ files: number; bytes: number }> {
  const hash = createHash('sha256').update(`${TREE_FORMAT_VERSION}\0${seed}\n`);
  for (const f of files) hash.update(`${f.path}\0${f.mode}\0${f.bytes}\0${f.kind}\0${f.contentKey}\n`);
  const digest = hash.digest('hex');
  const digestFile = treeDigestFile(dir);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  if ((await readFile(digestFile, 'utf8').catch(() => '')) === digest && (await stat(dir).catch(() => undefined))?.isDirectory() === true) {
    return { files: files.length, bytes };
  }
  // Only a tree shipbench wrote is removed; checked again here, not only in the preflight.
  await assertReplaceable(dir, "a step's plain tree", isOwnTree);
  await writeFile(digestFile, 'pending');
  await rm(dir, { recursive: true, force: true });
  const result = await writeTree(files, synth, dir);
  await writeFile(digestFile, digest);
  return result;
}
export const TREES_DIR = 'trees';

/** Each step's plain code tree (the base image's components left out), for the volume side. */
async function writeStepTrees(plan: ImageSetPlan, baseNames: ReadonlySet<string>, options: GenerateOptions): Promise<GeneratedImageSet['trees'][number][]> {
  const trees: GeneratedImageSet['trees'][number][] = [];
  const treesDir = join(options.outDir, TREES_DIR);
  if ((await stat(treesDir).catch(() => undefined)) === undefined) {
    await mkdir(treesDir, { recursive: true });
    await writeOutputMarker(treesDir, 'generate');
  }
  for (const { step, tree } of plan.trees) {
    options.signal?.throwIfAborted();
    const dir = join(options.outDir, TREES_DIR, step.name);
    const code = tree.files.filter((f) => !baseNames.has(f.component));
    const result = await writeTreeOnce(code, options.synth, dir, plan.scenario.seed);
    trees.push({ step: step.name, dir, ...result });
    options.onEvent?.({ type: 'tree-written', step: step.name, dir, ...result });
  }
  return trees;
}

/** Which of the plan's layers the cache holds already, which to build, and a warning per corrupt cache blob. */
async function lookUpCache(
  plan: ImageSetPlan,
  cache: LayerCache,
  compressor: string,
  outDir: string,
): Promise<{ cached: Map<string, BuiltLayer>; toBuild: PlannedLayer[]; warnings: GenerateWarning[]; layerBuilds: Record<string, LayerBuild> }> {
  const cached = new Map<string, BuiltLayer>();
  // What building each layer took, kept with the cached layer: the image side's per-step build time.
  const layerBuilds: Record<string, LayerBuild> = {};
  const toBuild: PlannedLayer[] = [];
  for (const planned of plan.uniqueLayers) {
    const hit = await cache.get(planned.key, compressor);
    if (hit === undefined) {
      toBuild.push(planned);
      continue;
    }
    cached.set(planned.key, hit);
    const seconds = await cache.buildSeconds(planned.key);
    if (seconds !== undefined) layerBuilds[planned.key] = { seconds, bytes: hit.bytes };
  }
  const warnings = cache.corrupt.map((c): GenerateWarning => ({
    kind: 'layer-cache-corrupt',
    message: `the cached layer ${c.digest} was corrupt (${c.reason}); it was removed and is rebuilt`,
    fix: `nothing to do for this run; if it recurs, check the disk holding ${outDir} (a cache blob changed after it was written)`,
    digest: c.digest,
  }));
  return { cached, toBuild, warnings, layerBuilds };
}

/**
 * Writes what a plan describes: every distinct layer once (or taken from the content cache), then one OCI
 * layout per strategy at `outDir/<strategy>/` with an image per deploy step tagged by the step's name, and
 * optionally each step's plain tree. Output space is checked before anything is written.
 */
export async function generateImageSet(plan: ImageSetPlan, options: GenerateOptions): Promise<GeneratedImageSet> {
  const started = performance.now();
  const { outDir, synth, pool, onEvent } = options;
  // Strategy and step names are the user's: a layout or tree would land on whatever has that name. Before
  // any work, every such entry must be missing or shipbench's own; a user's directory is never emptied.
  for (const { strategy } of plan.strategies) await assertReplaceable(join(outDir, strategy.name), `the OCI layout of strategy ${strategy.name}`, isOwnLayout);
  if (options.trees) {
    await assertReplaceable(join(outDir, TREES_DIR), 'the plain trees of the deploy steps', isOwnTreesDir);
    for (const { step } of plan.trees) await assertReplaceable(join(outDir, TREES_DIR, step.name), `the plain tree of step ${step.name}`, isOwnTree);
  }
  const cache = new LayerCache(join(outDir, CACHE_DIR));
  const compression = plan.scenario.image.compression;
  // Asked first: an engine that cannot load fails here, before any work.
  const compressor = compression.kind === 'gzip' ? await pool.fingerprint(compression) : 'none';

  const { cached, toBuild, warnings, layerBuilds } = await lookUpCache(plan, cache, compressor, outDir);
  for (const warning of warnings) onEvent?.({ type: 'warning', warning });
  const baseNames = baseComponentNames(plan.scenario);
  const treeBytes = options.trees
    ? plan.trees.reduce((n, { tree }) => n + tree.files.reduce((m, f) => (baseNames.has(f.component) ? m : m + Math.ceil(f.bytes / 4096) * 4096), 0), 0)
    : 0;
  const plannedBytes = toBuild.reduce((n, l) => n + estimateBlobBytes(l.spec, compression), 0) + treeBytes;
  await prepareOutputDir(outDir, plannedBytes, `${toBuild.length} new layers${options.trees ? ` and ${plan.trees.length} plain trees` : ''}`);
  onEvent?.({ type: 'planned', layers: plan.uniqueLayers.length, cached: cached.size, plannedBytes, compressor });

  let builtTarBytes = 0;
  let builtBlobBytes = 0;
  for (const [i, planned] of toBuild.entries()) {
    options.signal?.throwIfAborted();
    const t0 = performance.now();
    const layer = await writeLayer(planned.spec, synth, compression, pool, cache.blobsDir);
    const seconds = (performance.now() - t0) / 1000;
    await cache.put(planned.key, layer, compressor, seconds);
    layerBuilds[planned.key] = { seconds, bytes: layer.bytes };
    cached.set(planned.key, layer);
    builtTarBytes += layer.uncompressedBytes;
    builtBlobBytes += layer.bytes;
    onEvent?.({ type: 'layer-built', done: i + 1, total: toBuild.length, layer, seconds });
  }

  const strategies: GeneratedStrategy[] = [];
  for (const { strategy, images } of plan.strategies) {
    options.signal?.throwIfAborted();
    const layoutDir = join(outDir, strategy.name);
    // A layout is rewritten whole (its blobs are hard links into the cache, so this costs no copy), and
    // only when it is shipbench's: replaceOwnDir checks again, then marks it.
    await replaceOwnDir(layoutDir, `the OCI layout of strategy ${strategy.name}`, 'generate', isOwnLayout);
    await initLayout(layoutDir);
    const written: GeneratedImage[] = [];
    const indexEntries: IndexEntry[] = [];
    for (const image of images) {
      // The role names what the layer is in this image (the same blob may be "code" in one and "chunk 2/9" in another).
      const layers = image.layers.map((l) => ({ ...(cached.get(l.key) as BuiltLayer), role: l.spec.role }));
      for (const layer of layers) await linkBlob(cache.blobsDir, layoutDir, layer.digest);
      const result = await writeImage(layoutDir, {
        layers,
        tag: image.step.name,
        annotations: { 'io.shipbench.scenario': plan.scenario.name, 'io.shipbench.strategy': strategy.name, 'io.shipbench.step': image.step.name },
      });
      written.push({ step: image.step.name, manifestDigest: result.manifestDigest, layers, note: image.note });
      indexEntries.push({ manifestDigest: result.manifestDigest, size: result.manifestBytes, tag: image.step.name });
    }
    await writeIndex(layoutDir, indexEntries);
    strategies.push({ name: strategy.name, layoutDir, images: written });
    onEvent?.({ type: 'layout-written', strategy: strategy.name, dir: layoutDir, images: written.length });
  }

  const trees = options.trees ? await writeStepTrees(plan, baseNames, options) : [];

  return {
    outDir,
    strategies,
    compressor,
    layersBuilt: toBuild.length,
    layersReused: plan.uniqueLayers.length - toBuild.length,
    builtTarBytes,
    builtBlobBytes,
    seconds: (performance.now() - started) / 1000,
    trees,
    warnings,
    layerBuilds,
  };
}
