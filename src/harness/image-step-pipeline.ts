import { join } from 'node:path';
import { createContentSynthesizer } from '../content/content-synthesizer.ts';
import { planImageSet } from '../image/image-set-plan.ts';
import { GzipWorkerPool } from '../image/parallel-gzip.ts';
import { measureStepBuilds, type StepBuild } from '../image/step-build.ts';
import type { DeployParts } from '../metrics/deploy-parts.ts';
import type { ImageStepDeploy } from '../metrics/image-step-deploy.ts';
import type { RunContext } from './mechanism.ts';

/** One step's push, new blobs only (earlier steps' blobs are already in the strategy's repository). */
export interface StepPush {
  readonly strategy: string;
  readonly step: string;
  readonly seconds: number;
  readonly blobsPushed: number;
  readonly blobsSkipped: number;
  readonly bytesUp: number;
  readonly layersPushed: number;
  readonly layerBytesUp: number;
}

/**
 * The `build` phase: every strategy's images step by step from the previous step's build cache, each new
 * layer costing what the generator measured building it (layers without a kept time are built again, timed).
 */
export async function buildPhase(run: RunContext): Promise<{ details: Record<string, number>; value: StepBuild[] }> {
  // run --image: the images were built elsewhere; there is nothing to build.
  if (run.images.external !== undefined) return { details: { stepsBuilt: 0 }, value: [] };
  let pool: GzipWorkerPool | undefined;
  try {
    const builds = await measureStepBuilds(planImageSet(run.scenario, run.images.contentSource), {
      known: run.images.layerBuilds ?? {},
      scratchDir: join(run.outDir, '.build'),
      synth: createContentSynthesizer(run.scenario.seed, run.images.contentSource?.real),
      pool: () => (pool ??= new GzipWorkerPool()),
      signal: run.signal,
      onStep: (b) => run.onEvent({ type: 'phase', name: 'build', detail: `${b.strategy} ${b.step}: ${b.layersBuilt} layers built, ${b.layersReused} reused, ${b.seconds.toFixed(2)} s` }),
    });
    const sum = (f: (b: StepBuild) => number) => builds.reduce((n, b) => n + f(b), 0);
    return { details: { stepsBuilt: builds.length, layersBuilt: sum((b) => b.layersBuilt), layersReused: sum((b) => b.layersReused), bytesBuilt: sum((b) => b.bytesBuilt) }, value: builds };
  } finally {
    await pool?.close();
  }
}

/** Builds and pushes side by side, per strategy and step, for results.json's `imageSteps`. */
export function imageStepDeploys(builds: readonly StepBuild[], pushes: readonly StepPush[]): ImageStepDeploy[] {
  return pushes.map((p) => {
    const b = builds.find((x) => x.strategy === p.strategy && x.step === p.step);
    return {
      strategy: p.strategy,
      step: p.step,
      build: { seconds: b?.seconds ?? 0, layersBuilt: b?.layersBuilt ?? 0, layersReused: b?.layersReused ?? 0, bytesBuilt: b?.bytesBuilt ?? 0 },
      push: { seconds: p.seconds, blobsPushed: p.blobsPushed, blobsSkipped: p.blobsSkipped, bytesUp: p.bytesUp, layersPushed: p.layersPushed, layerBytesUp: p.layerBytesUp },
    };
  });
}

/** A step's deploy parts on the image side: its build and push (measured once per run) and this rollout. */
export function imageDeployParts(pipeline: ImageStepDeploy | undefined, rolloutSeconds: number): DeployParts {
  const build = pipeline?.build.seconds ?? 0;
  const push = pipeline?.push.seconds ?? 0;
  return { build, push, rollout: rolloutSeconds, total: build + push + rolloutSeconds };
}
