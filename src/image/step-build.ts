import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ContentSynthesizer } from '../content/file-entry.ts';
import type { ImageSetPlan, PlannedLayer } from './image-set-plan.ts';
import type { LayerBuild } from './image-set-writer.ts';
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
  /** Build times the generator measured, by content key (GeneratedImageSet.layerBuilds). */
  readonly known: Readonly<Record<string, LayerBuild>>;
  /** Layers without a known time are built again here, and removed: nothing of the run's images is touched. */
  readonly scratchDir: string;
  readonly synth: ContentSynthesizer;
  /** Asked for only when a layer must be built again. */
  readonly pool: () => GzipWorkerPool;
  readonly signal?: AbortSignal | undefined;
  readonly onStep?: (build: StepBuild) => void;
}

/**
 * Every strategy's images, step by step, as a build with the previous step's build cache makes them: a
 * step's layers that the previous step's image already had are reused (incremental and per-component reuse
 * most, monolithic nothing); the rest cost what the generator measured building them (a layer cached before
 * build times were kept is built again here, timed). The first step builds from a cold cache. Each strategy
 * has its own cache, as its own CI pipeline would: a layer two strategies share is built by both.
 */
export async function measureStepBuilds(plan: ImageSetPlan, options: StepBuildOptions): Promise<StepBuild[]> {
  const builds: StepBuild[] = [];
  const measured = new Map<string, LayerBuild>(Object.entries(options.known));
  try {
    for (const { strategy, images } of plan.strategies) {
      let cache = new Set<string>();
      for (const image of images) {
        options.signal?.throwIfAborted();
        const fresh = [...new Map(image.layers.filter((l) => !cache.has(l.key)).map((l) => [l.key, l])).values()];
        let seconds = 0;
        let bytesBuilt = 0;
        for (const layer of fresh) {
          const build = measured.get(layer.key) ?? (await buildAgain(layer, plan, options));
          measured.set(layer.key, build);
          seconds += build.seconds;
          bytesBuilt += build.bytes;
        }
        const build = { strategy: strategy.name, step: image.step.name, seconds, layersBuilt: fresh.length, layersReused: image.layers.length - fresh.length, bytesBuilt };
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

async function buildAgain(layer: PlannedLayer, plan: ImageSetPlan, options: StepBuildOptions): Promise<LayerBuild> {
  const blobsDir = join(options.scratchDir, 'blobs');
  const t0 = performance.now();
  const built = await writeLayer(layer.spec, options.synth, plan.scenario.image.compression, options.pool(), blobsDir);
  const seconds = (performance.now() - t0) / 1000;
  await rm(blobsDir, { recursive: true, force: true });
  return { seconds, bytes: built.bytes };
}
