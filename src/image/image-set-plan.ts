import type { ContentTree } from '../content/content-tree.ts';
import type { FileEntry } from '../content/file-entry.ts';
import { applyDeployStep } from '../content/deploy-step.ts';
import { buildInitialTree } from '../content/tree-builder.ts';
import { type LoadedContentSource, sourceStepTrees } from '../content/source/content-source-loader.ts';
import { ExitCode, ShipbenchError } from '../core/errors.ts';
import type { ResolvedCompression, ResolvedScenario, ResolvedStep, ResolvedStrategy } from '../scenario/resolved.ts';
import { layerByteSums } from './layer-byte-sums.ts';
import type { LayerSpec } from './layer-spec.ts';
import { planLayers } from './layer-strategy.ts';
import { ResumableLayerKeys } from './resumable-layer-keys.ts';

/**
 * Everything `generate` will write, decided before a byte is written: the tree of every deploy step and,
 * per strategy, the layers of every step's image, each with a content key. Layers with equal keys are
 * byte-identical, so they are built once and shared (the base layer by every strategy, a branch layer by
 * consecutive steps). Cheap: no content is synthesised here.
 */

/** Bump when the bytes written for a given spec change (tar format, synthesis, gzip block size). */
export const LAYER_FORMAT_VERSION = 'shipbench-layer/1';

export interface PlannedLayer {
  readonly spec: LayerSpec;
  readonly key: string;
  /** Sum of file sizes: the uncompressed payload, without tar headers. */
  readonly fileBytes: number;
}

export interface PlannedImage {
  readonly step: ResolvedStep;
  readonly layers: readonly PlannedLayer[];
  readonly note: string | undefined;
}

export interface PlannedStrategy {
  readonly strategy: ResolvedStrategy;
  readonly images: readonly PlannedImage[];
}

export interface ImageSetPlan {
  readonly scenario: ResolvedScenario;
  readonly trees: ReadonlyArray<{ readonly step: ResolvedStep; readonly tree: ContentTree }>;
  readonly strategies: readonly PlannedStrategy[];
  /** Distinct layers across all strategies and steps, in first-use order. */
  readonly uniqueLayers: readonly PlannedLayer[];
}

/**
 * Per-file hash input is gathered into strings of about 64 KiB, one update each: an update (or a buffer
 * write) per file costs more than the hashing of 100,000s of files, and much longer strings cost more to
 * flatten than they save.
 */
const HASH_CHUNK_CHARS = 1 << 16;

/** What every layer key hashes before the files: equal specs under another seed or compression are other bytes. */
export function layerKeyHeader(seed: string, compression: ResolvedCompression): string {
  return `${LAYER_FORMAT_VERSION}\0${seed}\0${JSON.stringify(compression)}\0`;
}

/**
 * A layer's content key from scratch: sha256 over the header, a line per file, then the whiteouts
 * (resumable-layer-keys.ts holds the format; planImageSet resumes it from the previous step's layer).
 */
export function layerKey(spec: LayerSpec, seed: string, compression: ResolvedCompression): string {
  return new ResumableLayerKeys(layerKeyHeader(seed, compression), HASH_CHUNK_CHARS).key(spec);
}

/** Whether two specs list the same files (mostly the very same entries, as consecutive trees share them) and whiteouts. */
function sameLayerContent(a: LayerSpec, b: LayerSpec): boolean {
  if (a.files.length !== b.files.length || a.whiteouts.length !== b.whiteouts.length) return false;
  for (let i = 0; i < a.files.length; i++) {
    const x = a.files[i] as FileEntry;
    const y = b.files[i] as FileEntry;
    if (x !== y && (x.path !== y.path || x.mode !== y.mode || x.bytes !== y.bytes || x.kind !== y.kind || x.contentKey !== y.contentKey)) return false;
  }
  return a.whiteouts.every((w, i) => w === b.whiteouts[i]);
}

/** `source`: the scenario's content source as loadContentSource read it (required when the scenario has one). */
export function planImageSet(scenario: ResolvedScenario, source?: LoadedContentSource): ImageSetPlan {
  const trees = stepTrees(scenario, source);

  const unique = new Map<string, PlannedLayer>();
  const keyOf = new Map<LayerSpec, PlannedLayer>();
  // A layer of one role usually repeats a previous step's (an untouched branch): comparing entries is cheaper than hashing them.
  const byRole = new Map<string, PlannedLayer[]>();
  // A changed layer is hashed from where it first differs from the role's last layer: the same key as layerKey's.
  const keys = new ResumableLayerKeys(layerKeyHeader(scenario.seed, scenario.image.compression), HASH_CHUNK_CHARS);
  const plan = (spec: LayerSpec): PlannedLayer => {
    const known = keyOf.get(spec) ?? byRole.get(spec.role)?.find((p) => sameLayerContent(p.spec, spec));
    if (known !== undefined) {
      keyOf.set(spec, known);
      return known;
    }
    const key = keys.key(spec);
    const planned = unique.get(key) ?? { spec, key, fileBytes: layerByteSums(spec).fileBytes };
    unique.set(key, planned);
    keyOf.set(spec, planned);
    byRole.set(spec.role, [...(byRole.get(spec.role) ?? []), planned]);
    return planned;
  };

  const strategies = scenario.image.strategies.map((strategy): PlannedStrategy => {
    const images: PlannedImage[] = [];
    let previous: { tree: ContentTree; layers: readonly LayerSpec[] } | undefined;
    trees.forEach(({ step, tree: stepTree }, stepIndex) => {
      const result = planLayers(strategy, { scenario, step, stepIndex, tree: stepTree, previous });
      images.push({ step, layers: result.layers.map(plan), note: result.note });
      previous = { tree: stepTree, layers: result.layers };
    });
    return { strategy, images };
  });
  return { scenario, trees, strategies, uniqueLayers: [...unique.values()] };
}

function stepTrees(scenario: ResolvedScenario, source: LoadedContentSource | undefined): Array<{ step: ResolvedStep; tree: ContentTree }> {
  if (scenario.content.source !== undefined) {
    if (source === undefined) {
      throw new ShipbenchError('content-source-unsupported', `this command plans from the synthetic content model and did not read content.source (${scenario.content.source.kind})`, {
        hint: 'generate, run, inspect, check and simulate read content.source; this path does not load it yet (a bug: please report it)',
        exitCode: ExitCode.internal,
      });
    }
    return sourceStepTrees(scenario, scenario.content.source, source, buildInitialTree(scenario).files);
  }
  const trees: Array<{ step: ResolvedStep; tree: ContentTree }> = [];
  let tree = buildInitialTree(scenario);
  scenario.deploy.forEach((step, i) => {
    // A batched step (a build cadence) applies its merges in order, each as it would apply alone.
    for (const merge of step.batch ?? [{ index: i, step }]) tree = applyDeployStep(scenario, tree, merge.step, merge.index);
    trees.push({ step, tree });
  });
  return trees;
}
