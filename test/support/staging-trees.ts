import { join } from 'node:path';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import { writeTree } from '../../src/content/tree-writer.ts';
import { splitBase } from '../../src/image/layer-grouping.ts';
import { planImageSet } from '../../src/image/image-set-plan.ts';
import type { ResolvedScenario } from '../../src/scenario/resolved.ts';

/** Each deploy step's plain code tree, written as `generate --tree` writes it, under `dir/<step>/`. */
export async function writeStagingTrees(scenario: ResolvedScenario, dir: string) {
  const plan = planImageSet(scenario);
  const synth = createContentSynthesizer(scenario.seed);
  const trees = [];
  for (const { step, tree } of plan.trees) {
    const { code } = splitBase(scenario, tree);
    const stepDir = join(dir, step.name);
    await writeTree(code, synth, stepDir);
    trees.push({ step: step.name, dir: stepDir, files: code });
  }
  return trees;
}
