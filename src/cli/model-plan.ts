import type { LoadedContentSource } from '../content/source/content-source-loader.ts';
import { estimateBlobBytes } from '../image/blob-size-estimate.ts';
import { layerByteSums } from '../image/layer-byte-sums.ts';
import { planImageSet, type PlannedLayer } from '../image/image-set-plan.ts';
import { splitBase } from '../image/layer-grouping.ts';
import { diffTrees, type TreeDiff } from '../image/tree-diff.ts';
import type { FileEntry } from '../content/file-entry.ts';
import type { FleetPlan, ModelLayer, ModelVolumeStep } from '../model/fleet-plan.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { cdbPathOf } from '../content/l10n/l10n-cache-entries.ts';
import { isScapExcluded } from '../volume/l10n-rebuild.ts';

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
      m = { id: l.key, compressedBytes: Math.max(1, Math.round(estimateBlobBytes(l.spec, scenario.image.compression) * blobScale)), uncompressedBytes: layerByteSums(l.spec).tarBytes, files: l.spec.files.length };
      layers.set(l, m);
    }
    return m;
  };
  let previous: readonly FileEntry[] = [];
  const volume = plan.trees.map(({ step, tree }) => {
    const { code } = splitBase(scenario, tree);
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
function volumeStepOf(scenario: ResolvedScenario, step: string, diff: TreeDiff, code: readonly FileEntry[]): ModelVolumeStep {
  const { bytes: treeBytes, excluded } = codeFigures(code);
  if (scenario.volume.l10n === 'ship') return { step, changedFiles: diff.written.length, changedBytes: sumBytes(diff.written), deletedPaths: diff.deleted.length, treeFiles: code.length, treeBytes };
  // One pass over what changed (the whole tree at the first step): a handful of CDB files are rebuilt, the rest ship.
  let changedFiles = 0;
  let changedBytes = 0;
  const rebuilt: FileEntry[] = [];
  const jsonByPath = new Map<string, FileEntry>();
  for (let i = 0; i < diff.written.length; i++) {
    const f = diff.written[i] as FileEntry;
    if (isScapExcluded(f.path)) {
      rebuilt.push(f);
      continue;
    }
    changedFiles++;
    changedBytes += f.bytes;
    const cdbPath = cdbPathOf(f.path);
    if (cdbPath !== undefined) jsonByPath.set(cdbPath, f);
  }
  return {
    step,
    changedFiles,
    changedBytes,
    deletedPaths: diff.deleted.filter((path) => !isScapExcluded(path)).length,
    treeFiles: code.length - excluded,
    treeBytes,
    l10nRebuild: { languages: rebuilt.length, jsonBytes: sumBytes(rebuilt.map((f) => jsonByPath.get(f.path) ?? { bytes: 0 })), cdbBytes: sumBytes(rebuilt) },
  };
}

/** The code tree's bytes and how many of its files scap's excludes keep out of rsync, in one pass. */
function codeFigures(code: readonly FileEntry[]): { bytes: number; excluded: number } {
  let bytes = 0;
  let excluded = 0;
  for (let i = 0; i < code.length; i++) {
    const f = code[i] as FileEntry;
    bytes += f.bytes;
    if (isScapExcluded(f.path)) excluded++;
  }
  return { bytes, excluded };
}

function sumBytes(files: ReadonlyArray<{ readonly bytes: number }>): number {
  let bytes = 0;
  for (let i = 0; i < files.length; i++) bytes += (files[i] as { readonly bytes: number }).bytes;
  return bytes;
}
