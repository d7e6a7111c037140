import type { LoadedContentSource } from '../content/source/content-source-loader.ts';
import { codeFiles } from '../content/content-tree.ts';
import { estimateBlobBytes } from '../image/blob-size-estimate.ts';
import { planImageSet, type PlannedLayer } from '../image/image-set-plan.ts';
import type { LayerSpec } from '../image/layer-spec.ts';
import { diffTrees } from '../image/tree-diff.ts';
import type { FleetPlan, ModelLayer, ModelVolumeStep } from '../model/fleet-plan.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { cdbPathOf } from '../content/l10n/l10n-cache-entries.ts';
import { isScapExcluded } from '../volume/l10n-rebuild.ts';

const TAR_BLOCK = 512;

/** Uncompressed tar bytes of a layer: a header per file and whiteout, payloads in 512-byte blocks, the end marker. */
function tarBytes(spec: LayerSpec): number {
  let bytes = 2 * TAR_BLOCK + spec.whiteouts.length * TAR_BLOCK;
  for (const f of spec.files) bytes += TAR_BLOCK + Math.ceil(f.bytes / TAR_BLOCK) * TAR_BLOCK;
  return bytes;
}

/**
 * The model's view of a scenario, from the same plan `generate` would write but without writing anything:
 * per strategy and step the image's layers (blob bytes by the blob-size estimate, tar bytes exactly, file
 * counts), and per step the files rsync moves. `blobScale` multiplies the estimated blob bytes (calibration
 * sets it from measured blob sizes, since the estimate leans high on purpose).
 */
export function buildFleetPlan(scenario: ResolvedScenario, blobScale = 1, source?: LoadedContentSource): FleetPlan {
  const plan = planImageSet(scenario, source);
  const layers = new Map<PlannedLayer, ModelLayer>();
  const modelLayer = (l: PlannedLayer): ModelLayer => {
    let m = layers.get(l);
    if (m === undefined) {
      m = { id: l.key, compressedBytes: Math.max(1, Math.round(estimateBlobBytes(l.spec, scenario.image.compression) * blobScale)), uncompressedBytes: tarBytes(l.spec), files: l.spec.files.length };
      layers.set(l, m);
    }
    return m;
  };
  const base = new Set(scenario.content.components.filter((c) => c.base).map((c) => c.name));
  let previous: ReturnType<typeof codeFiles> = [];
  const volume = plan.trees.map(({ step, tree }) => {
    const code = codeFiles(tree, base);
    const diff = diffTrees(previous, code);
    previous = code;
    return volumeStepOf(scenario, step.name, diff, code);
  });
  return {
    strategies: plan.strategies.map((s) => ({ name: s.strategy.name, steps: s.images.map((image) => ({ step: image.step.name, layers: image.layers.map(modelLayer) })) })),
    volume,
  };
}

/**
 * What rsync moves in one step, and with volume.l10n: rebuild (scap's way) what each target then rebuilds:
 * rsync leaves the l10n CDB files out (listed nowhere, sent never), and each changed language's CDB is
 * built on the target from its upstream JSON (rsync moved that JSON like any file).
 */
function volumeStepOf(scenario: ResolvedScenario, step: string, diff: ReturnType<typeof diffTrees>, code: ReadonlyArray<{ path: string; bytes: number }>): ModelVolumeStep {
  const sum = (files: ReadonlyArray<{ bytes: number }>) => files.reduce((n, f) => n + f.bytes, 0);
  const treeBytes = sum(code);
  if (scenario.volume.l10n === 'ship') return { step, changedFiles: diff.written.length, changedBytes: sum(diff.written), deletedPaths: diff.deleted.length, treeFiles: code.length, treeBytes };
  const shipped = diff.written.filter((f) => !isScapExcluded(f.path));
  const rebuilt = diff.written.filter((f) => isScapExcluded(f.path));
  const jsonByPath = new Map(shipped.filter((f) => cdbPathOf(f.path) !== undefined).map((f) => [cdbPathOf(f.path) as string, f]));
  return {
    step,
    changedFiles: shipped.length,
    changedBytes: sum(shipped),
    deletedPaths: diff.deleted.filter((path) => !isScapExcluded(path)).length,
    treeFiles: code.length - code.reduce((n, f) => (isScapExcluded(f.path) ? n + 1 : n), 0),
    treeBytes,
    l10nRebuild: { languages: rebuilt.length, jsonBytes: sum(rebuilt.map((f) => jsonByPath.get(f.path) ?? { bytes: 0 })), cdbBytes: sum(rebuilt) },
  };
}
