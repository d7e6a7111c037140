import { createHash } from 'node:crypto';
import type { ContentTree } from '../content/content-tree.ts';
import { applyDeployStep } from '../content/deploy-step.ts';
import { buildInitialTree } from '../content/tree-builder.ts';
import { type LoadedContentSource, sourceStepTrees } from '../content/source/content-source-loader.ts';
import { ExitCode, ShipbenchError } from '../core/errors.ts';
import type { ResolvedCompression, ResolvedScenario, ResolvedStep, ResolvedStrategy } from '../scenario/resolved.ts';
import type { LayerSpec } from './layer-spec.ts';
import { planLayers } from './layer-strategy.ts';

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

export function layerKey(spec: LayerSpec, seed: string, compression: ResolvedCompression): string {
  const hash = createHash('sha256');
  hash.update(`${LAYER_FORMAT_VERSION}\0${seed}\0${JSON.stringify(compression)}\0`);
  for (const f of spec.files) hash.update(`${f.path}\0${f.mode}\0${f.bytes}\0${f.kind}\0${f.contentKey}\n`);
  hash.update('\0whiteouts\0');
  for (const w of spec.whiteouts) hash.update(`${w}\n`);
  return hash.digest('hex');
}

/** `source`: the scenario's content source as loadContentSource read it (required when the scenario has one). */
export function planImageSet(scenario: ResolvedScenario, source?: LoadedContentSource): ImageSetPlan {
  const trees = stepTrees(scenario, source);

  const unique = new Map<string, PlannedLayer>();
  const keyOf = new Map<LayerSpec, PlannedLayer>();
  const plan = (spec: LayerSpec): PlannedLayer => {
    const known = keyOf.get(spec);
    if (known !== undefined) return known;
    const key = layerKey(spec, scenario.seed, scenario.image.compression);
    const planned = unique.get(key) ?? { spec, key, fileBytes: spec.files.reduce((n, f) => n + f.bytes, 0) };
    unique.set(key, planned);
    keyOf.set(spec, planned);
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
