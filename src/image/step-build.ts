import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ContentSynthesizer } from '../content/file-entry.ts';
import type { ImageSetPlan } from './image-set-plan.ts';
import { writeLayer } from './layer-writer.ts';
import type { GzipWorkerPool } from './parallel-gzip.ts';

/** One step's image as a CI build with the previous step's build cache would make it. */
export interface StepBuild {
  readonly strategy: string;
  readonly step: string;
  readonly seconds: number;
  readonly layersBuilt: number;
  readonly layersReused: number;
  readonly bytesBuilt: number;
}

export interface StepBuildOptions {
  /** Layers are rebuilt here and removed after each step: nothing of the run's images is touched. */
  readonly scratchDir: string;
  readonly synth: ContentSynthesizer;
  readonly pool: GzipWorkerPool;
  readonly signal?: AbortSignal | undefined;
  readonly onStep?: (build: StepBuild) => void;
}

/**
 * Builds every strategy's images again, step by step, timing each: a step's layers that the previous step's
 * image already had are reused (incremental and per-component reuse most, monolithic nothing), the rest are
 * synthesised, tarred and compressed for real. The first step builds from a cold cache. Each strategy has
 * its own cache, as its own CI pipeline would: a layer two strategies share is built by both.
 */
export async function measureStepBuilds(plan: ImageSetPlan, options: StepBuildOptions): Promise<StepBuild[]> {
  const builds: StepBuild[] = [];
  const compression = plan.scenario.image.compression;
  const blobsDir = join(options.scratchDir, 'blobs');
  try {
    for (const { strategy, images } of plan.strategies) {
      let cache = new Set<string>();
      for (const image of images) {
        options.signal?.throwIfAborted();
        const fresh = new Map(image.layers.filter((l) => !cache.has(l.key)).map((l) => [l.key, l]));
        const t0 = performance.now();
        let bytesBuilt = 0;
        for (const layer of fresh.values()) bytesBuilt += (await writeLayer(layer.spec, options.synth, compression, options.pool, blobsDir)).bytes;
        const build = { strategy: strategy.name, step: image.step.name, seconds: (performance.now() - t0) / 1000, layersBuilt: fresh.size, layersReused: image.layers.length - fresh.size, bytesBuilt };
        await rm(blobsDir, { recursive: true, force: true });
        builds.push(build);
        options.onStep?.(build);
        cache = new Set(image.layers.map((l) => l.key));
      }
    }
  } finally {
    await rm(options.scratchDir, { recursive: true, force: true });
  }
  return builds;
}
