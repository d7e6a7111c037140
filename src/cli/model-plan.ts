import { codeFiles } from '../content/content-tree.ts';
import { estimateBlobBytes } from '../image/blob-size-estimate.ts';
import { planImageSet, type PlannedLayer } from '../image/image-set-plan.ts';
import type { LayerSpec } from '../image/layer-spec.ts';
import { diffTrees } from '../image/tree-diff.ts';
import type { FleetPlan, ModelLayer } from '../model/fleet-plan.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

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
export function buildFleetPlan(scenario: ResolvedScenario, blobScale = 1): FleetPlan {
  const plan = planImageSet(scenario);
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
    return { step: step.name, changedFiles: diff.written.length, changedBytes: diff.written.reduce((n, f) => n + f.bytes, 0), deletedPaths: diff.deleted.length, treeFiles: code.length };
  });
  return {
    strategies: plan.strategies.map((s) => ({ name: s.strategy.name, steps: s.images.map((image) => ({ step: image.step.name, layers: image.layers.map(modelLayer) })) })),
    volume,
  };
}
