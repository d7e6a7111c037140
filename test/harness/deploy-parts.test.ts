import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBenchmark } from '../../src/cli/run-benchmark.ts';
import { renderRunSummary } from '../../src/cli/run-summary-text.ts';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import { planImageSet } from '../../src/image/image-set-plan.ts';
import { type GeneratedImageSet, generateImageSet } from '../../src/image/image-set-writer.ts';
import { GzipWorkerPool } from '../../src/image/parallel-gzip.ts';
import { measureStepBuilds } from '../../src/image/step-build.ts';
import { cadenceWeeks } from '../../src/report/cadence-analysis.ts';
import { measurementsFromResults } from '../../src/report/check-measurements.ts';
import { compareRuns } from '../../src/report/comparison.ts';
import { renderMarkdownReport } from '../../src/report/markdown-report.ts';
import type { RunResults } from '../../src/report/results.ts';
import { analyzeRun } from '../../src/report/run-analysis.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';

/**
 * Per-step deploy parts from a real run: the embedded registry (docker-registry), virtual nodes and the rsync
 * side, on a tiny three-step scenario. Build and push are timed per step, and what a step pushes is only
 * what the previous step's image lacked.
 */
const scenario = resolveScenario(
  {
    name: 'deploy-parts',
    seed: 11,
    // About 5 MiB: the parts and their sums are the same at any size, and the run is three steps both ways.
    content: { preset: 'mediawiki-multiversion', scale: 0.0005 },
    image: { strategies: ['monolithic', { incremental: { rebuildOn: [] } }] },
    deploy: ['initial', { backport: { files: 1, removes: 1 }, at: 'mon 09:00' }, { config: { files: 1 }, at: 'mon 09:00' }],
    // Both merged at once: the config merge waits for the backport's deploy to be done.
    cadence: 'per-merge',
    fleet: { nodes: 2 },
    measure: { repeat: 1, warmup: 0 },
  },
  'deploy-parts.yaml',
);

describe('deploy parts: build, push and rollout per step against the real registry', { timeout: 300_000 }, () => {
  let work: string;
  let images: GeneratedImageSet;
  let results: RunResults;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-deploy-parts-'));
    const pool = new GzipWorkerPool(1);
    try {
      images = await generateImageSet(planImageSet(scenario), { outDir: join(work, 'images'), trees: true, synth: createContentSynthesizer(scenario.seed), pool });
    } finally {
      await pool.close();
    }
    results = await runBenchmark({ scenario, images, outDir: join(work, 'out'), mechanisms: 'both', onEvent: () => undefined, signal: new AbortController().signal });
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('pushes, for an incremental backport, only the new layer: the bytes sent are that layer\'s size', () => {
    const incremental = images.strategies.find((s) => s.name === 'incremental');
    assert.ok(incremental);
    const [initial, backport] = incremental.images;
    assert.ok(initial !== undefined && backport !== undefined);
    const had = new Set(initial.layers.map((l) => l.digest));
    const fresh = backport.layers.filter((l) => !had.has(l.digest));
    assert.equal(fresh.length, 1, 'an incremental backport adds one layer');
    const pushed = results.imageSteps?.find((p) => p.strategy === 'incremental' && p.step === 'backport-1');
    assert.ok(pushed);
    // The new layer and the new image config; the layer's bytes are exactly the layer's size.
    assert.equal(pushed.push.blobsPushed, 2);
    assert.equal(pushed.push.layersPushed, 1);
    assert.equal(pushed.push.layerBytesUp, fresh[0]?.bytes);
    assert.equal(pushed.build.layersBuilt, 1);
    assert.equal(pushed.build.layersReused, initial.layers.length);
    assert.equal(pushed.build.bytesBuilt, fresh[0]?.bytes);
    // The build costs what the generator measured building that one layer.
    const plan = planImageSet(scenario);
    const key = plan.strategies.find((s) => s.strategy.name === 'incremental')?.images[1]?.layers.at(-1)?.key as string;
    assert.equal(pushed.build.seconds, images.layerBuilds?.[key]?.seconds);
    // Monolithic rebuilds and re-sends everything its code layer holds at every step.
    const mono = results.imageSteps?.find((p) => p.strategy === 'monolithic' && p.step === 'backport-1');
    const monoImage = images.strategies.find((s) => s.name === 'monolithic')?.images[1];
    assert.ok(mono && monoImage);
    assert.equal(mono.build.layersReused + mono.build.layersBuilt, monoImage.layers.length);
    assert.ok(mono.push.layerBytesUp > pushed.push.layerBytesUp * 10, `monolithic pushed ${mono.push.bytesUp}, incremental ${pushed.push.bytesUp}`);
    // Every step's initial push sends everything: nothing was in the repository before.
    const first = results.imageSteps?.find((p) => p.strategy === 'incremental' && p.step === 'initial');
    assert.equal(first?.push.layerBytesUp, initial.layers.reduce((n, l) => n + l.bytes, 0));
  });

  it('builds a layer again, timed, when the generator kept no build time for it (a cache from before)', async () => {
    const plan = planImageSet(scenario);
    const key = plan.strategies.find((s) => s.strategy.name === 'incremental')?.images[1]?.layers.at(-1)?.key as string;
    const { [key]: dropped, ...known } = images.layerBuilds ?? {};
    assert.ok(dropped !== undefined);
    const pool = new GzipWorkerPool(1);
    try {
      const builds = await measureStepBuilds(plan, { known, scratchDir: join(work, 'rebuild'), synth: createContentSynthesizer(scenario.seed), pool: () => pool });
      const again = builds.find((b) => b.strategy === 'incremental' && b.step === 'backport-1');
      assert.equal(again?.bytesBuilt, dropped.bytes, 'the same blob again');
      assert.ok((again?.seconds ?? 0) > 0);
      const initial = builds.find((b) => b.strategy === 'incremental' && b.step === 'initial');
      assert.equal(initial?.seconds, results.imageSteps?.find((p) => p.strategy === 'incremental' && p.step === 'initial')?.build.seconds);
    } finally {
      await pool.close();
    }
  });

  it('records build, push and rollout per image step, and prep and sync per volume step, each summing to the total', () => {
    assert.equal(results.status, 'completed');
    const image = results.steps.filter((s) => s.strategy !== 'volume');
    const volume = results.steps.filter((s) => s.strategy === 'volume');
    assert.equal(image.length, 6);
    assert.equal(volume.length, 3);
    for (const s of image) {
      const d = s.deploy;
      assert.ok(d !== undefined && 'build' in d, `${s.strategy} ${s.step} has image parts`);
      const pipeline = results.imageSteps?.find((p) => p.strategy === s.strategy && p.step === s.step);
      assert.equal(d.build, pipeline?.build.seconds);
      assert.equal(d.push, pipeline?.push.seconds);
      assert.ok(d.build > 0 && d.push > 0 && d.rollout > 0);
      assert.equal(d.rollout, s.makespanSeconds);
      assert.ok(Math.abs(d.total - (d.build + d.push + d.rollout)) < 1e-9);
    }
    for (const s of volume) {
      const d = s.deploy;
      assert.ok(d !== undefined && 'prep' in d, `volume ${s.step} has tree parts`);
      assert.ok(d.prep > 0 && d.sync > 0);
      assert.equal(d.sync, s.makespanSeconds);
      assert.ok(Math.abs(d.total - (d.prep + d.sync)) < 1e-9);
    }
    // The push phase stays, as the sum of the per-step pushes.
    const phase = results.phases.find((p) => p.name === 'push');
    assert.equal(phase?.details.bytesUp, results.imageSteps?.reduce((n, p) => n + p.push.bytesUp, 0));
    assert.ok(results.phases.some((p) => p.name === 'build'));
  });

  it('shows the parts in the summary and report, and as the deploy-total-seconds metric of check and compare', () => {
    assert.match(renderRunSummary(results), /deploy latency[^\n]*\n[^\n]*\n[^\n]*build +│ +push +│ +rollout +│ +prep +│ +sync +│ +total/);
    assert.match(renderMarkdownReport(results), /## Deploy latency: parts per step/);
    const totals = measurementsFromResults(results).filter((m) => m.metric === 'deploy-total-seconds');
    assert.equal(totals.length, 9);
    const incrementalBackport = results.steps.find((s) => s.strategy === 'incremental' && s.step === 'backport-1');
    assert.equal(totals.find((m) => m.strategy === 'incremental' && m.step === 'backport-1')?.value, incrementalBackport?.deploy?.total);
    assert.ok(compareRuns(results, results).some((r) => r.metric === 'deploy-total-seconds'));
  });

  it('shows the week under the build cadence: merge to serving is the deploys\' totals, queued', () => {
    assert.equal(results.cadence?.everySeconds, null);
    const summary = renderRunSummary(results);
    assert.match(summary, /build cadence: the week, per merge/);
    const week = cadenceWeeks(results.cadence as NonNullable<RunResults['cadence']>, analyzeRun(results)).find((w) => w.strategy === 'incremental');
    const total = (step: string) => results.steps.find((s) => s.strategy === 'incremental' && s.step === step)?.deploy?.total ?? Number.NaN;
    assert.equal(week?.deploys, 2);
    const [backport, config] = week?.latencies ?? [];
    assert.ok(Math.abs((backport?.seconds ?? 0) - total('backport-1')) < 1e-6);
    assert.ok(Math.abs((config?.seconds ?? 0) - (total('backport-1') + total('config-1'))) < 1e-6);
  });
});
