import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { createContentSynthesizer } from '../content/content-synthesizer.ts';
import { scenarioContentLabel } from '../content/source/content-source-label.ts';
import { loadContentSource } from '../content/source/content-source-loader.ts';
import { flattenContentImage } from './image-content-source.ts';
import { claimOutputDir, type OutputOwner } from '../core/output-contract.ts';
import { planImageSet } from '../image/image-set-plan.ts';
import { type GenerateEvent, type GeneratedImageSet, generateImageSet } from '../image/image-set-writer.ts';
import { GzipWorkerPool } from '../image/parallel-gzip.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

/**
 * Plans and writes a scenario's images (used by `generate`, `run`, and by `inspect` and `check` on a
 * scenario), into an output directory claimed under the output contract first.
 */
export async function runGenerate(
  scenario: ResolvedScenario,
  options: { outDir: string; owner: OutputOwner; trees: boolean; workers: number | undefined; onEvent: (e: GenerateEvent) => void; signal?: AbortSignal },
): Promise<GeneratedImageSet> {
  await claimOutputDir(options.outDir, options.owner);
  // A real source is read (and a git source's blobs copied under --out) before planning: plans need sizes.
  const source = await loadContentSource(scenario, options.outDir, flattenContentImage);
  const plan = planImageSet(scenario, source);
  const pool = new GzipWorkerPool(options.workers);
  try {
    const generated = await generateImageSet(plan, {
      outDir: options.outDir,
      trees: options.trees,
      synth: createContentSynthesizer(scenario.seed, source?.real),
      pool,
      onEvent: options.onEvent,
      signal: options.signal,
    });
    const result: GeneratedImageSet = { ...generated, contentSource: source };
    await writeFileAtomic(join(options.outDir, 'generate.json'), `${JSON.stringify(summaryOf(scenario, result), null, 2)}\n`);
    return result;
  } finally {
    await pool.close();
  }
}

function summaryOf(scenario: ResolvedScenario, result: GeneratedImageSet) {
  return {
    schema: 'shipbench/generate/1',
    scenario: scenario.name,
    seed: scenario.seed,
    content: result.contentSource?.label ?? scenarioContentLabel(scenario),
    compressor: result.compressor,
    layersBuilt: result.layersBuilt,
    layersReused: result.layersReused,
    strategies: result.strategies.map((s) => ({
      name: s.name,
      layout: s.layoutDir,
      images: s.images.map((i) => ({ step: i.step, manifestDigest: i.manifestDigest, note: i.note, layers: i.layers })),
    })),
    trees: result.trees,
    warnings: result.warnings,
  };
}
