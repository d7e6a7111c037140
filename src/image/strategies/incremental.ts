import { treeBytes } from '../../content/content-tree.ts';
import { formatShare } from '../../core/units.ts';
import type { ResolvedStrategy } from '../../scenario/resolved.ts';
import { layerOf, splitBase } from '../layer-grouping.ts';
import type { LayerPlan, LayerPlanInput } from '../layer-plan.ts';
import { diffTrees } from '../tree-diff.ts';
import { planMonolithic } from './monolithic.ts';

/**
 * Wikimedia's build-image-incr: start from the previous image and commit one new layer holding what the
 * deploy changed (whiteouts for deletions). Rebuild from scratch (base + one code layer) when the diff is
 * more than `rebuildAboveShare` of the tree, when one more layer would pass `maxLayers` (an overlayfs limit),
 * or when the step kind forces it (a change to l10n generation).
 */
export function planIncremental(strategy: Extract<ResolvedStrategy, { kind: 'incremental' }>, input: LayerPlanInput): LayerPlan {
  if (input.previous === undefined) return planMonolithic(strategy, input);
  if (strategy.rebuildOn.includes(input.step.kind)) {
    return { layers: planMonolithic(strategy, input).layers, note: `rebuilt: ${input.step.kind} steps force a rebuild` };
  }
  const before = splitBase(input.scenario, input.previous.tree).code;
  const { code } = splitBase(input.scenario, input.tree);
  const diff = diffTrees(before, code);
  const diffBytes = treeBytes(diff.written);
  const codeBytes = treeBytes(code);
  const share = codeBytes === 0 ? 0 : diffBytes / codeBytes;
  if (share > strategy.rebuildAboveShare) {
    return { layers: planMonolithic(strategy, input).layers, note: `rebuilt: diff ${formatShare(share)} of the tree > ${formatShare(strategy.rebuildAboveShare)}` };
  }
  if (input.previous.layers.length + 1 > strategy.maxLayers) {
    return { layers: planMonolithic(strategy, input).layers, note: `rebuilt: ${strategy.maxLayers} layers reached` };
  }
  const layer = layerOf(`deploy ${input.step.name}`, diff.written, diff.deleted);
  return { layers: [...input.previous.layers, layer], note: `diff ${formatShare(share)} of the tree` };
}
