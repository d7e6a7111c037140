import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { runGenerate } from '../../src/cli/run-generate.ts';
import { runHybridRollouts } from '../../src/harness/hybrid-mechanism.ts';
import type { PushedStrategy } from '../../src/harness/image-mechanism.ts';
import type { GeneratedImageSet } from '../../src/image/image-set-writer.ts';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import type { StepResult } from '../../src/metrics/step-result.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import type { ResolvedScenario } from '../../src/scenario/resolved.ts';
import { umociRootfs } from '../support/peer-tools.ts';
import { smallScenario } from '../support/scenarios.ts';
import { treeDigest } from '../support/tree-digest.ts';

/**
 * The hybrid mechanism end to end: the real registry (CNCF distribution), the deployment master pulling and
 * unpacking each step's image into its staging tree, real rsync daemons (master, proxies) and rsync clients.
 */

interface JudgedStep {
  readonly result: StepResult;
  readonly samples: NodeStepSample[];
  readonly nodeTrees: Map<string, string[]>;
}

describe('hybrid mechanism: registry pull and unpack on the master, rsync to the nodes', { timeout: 300_000 }, () => {
  let work: string;
  let registry: EmbeddedRegistry;
  let scenario: ResolvedScenario;
  let images: GeneratedImageSet;
  let pushed: PushedStrategy;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-hybrid-'));
    scenario = smallScenario({
      // About 5 MiB: every judgement below is of trees and layers, the same at any size, and each step is
      // an unpack on the master, a digest per node and an rsync to three nodes.
      content: { preset: 'mediawiki-multiversion', scale: 0.0005, versions: 2 },
      image: { strategies: ['per-component'] },
      deploy: ['initial', { backport: { files: 1 } }, { backport: { files: 2, removes: 1 } }],
      fleet: { nodes: 3 },
      volume: { proxies: 2 },
      measure: { repeat: 1, warmup: 0 },
      hybrid: {},
    });
    images = await runGenerate(scenario, { outDir: join(work, 'images'), owner: { command: 'generate', force: false }, trees: true, workers: 1, onEvent: () => undefined });
    registry = await startEmbeddedRegistry();
    const strategy = images.strategies[0];
    assert.ok(strategy !== undefined);
    const client = new DistributionClient({ baseUrl: registry.url });
    for (const image of strategy.images) await pushLayoutImage(client, strategy.layoutDir, image.step, 't/hybrid', image.step);
    await client.close();
    pushed = { name: strategy.name, repository: 't/hybrid', tags: strategy.images.map((i) => i.step) };
  });
  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const rollout = async (dir: string, onStepDone: (index: number) => Promise<void> = async () => undefined) => {
    const steps: JudgedStep[] = [];
    const outcome = await runHybridRollouts({
      scenario,
      workDir: join(work, dir),
      runStartMs: performance.now(),
      signal: undefined,
      onEvent: () => undefined,
      registry: { url: registry.url, auth: undefined, version: registry.version, embedded: undefined },
      pushed,
      diskDevice: undefined,
      onStep: async (result, samples) => {
        // Each node's tree as the step leaves it, before the next step changes it.
        const nodeTrees = new Map<string, string[]>();
        for (const s of samples) if (s.error === undefined) nodeTrees.set(s.node, await treeDigest(join(work, dir, 'nodes', s.node)));
        steps.push({ result, samples, nodeTrees });
        await onStepDone(steps.length - 1);
      },
    });
    return { outcome, steps };
  };

  /** The step's image rootfs as umoci (an independent unpacker) makes it, less the runtime base (`usr`). */
  const rootfsCache = new Map<string, string[]>();
  const imageRootfs = async (tag: string): Promise<string[]> => {
    const cached = rootfsCache.get(tag);
    if (cached !== undefined) return cached;
    const rootfs = await umociRootfs(images.strategies[0]?.layoutDir as string, tag, join(work, 'umoci', tag));
    const digest = (await treeDigest(rootfs)).filter((line) => !/^usr[/ ]/.test(line));
    rootfsCache.set(tag, digest);
    return digest;
  };

  it('leaves every node byte-identical to each step\'s image rootfs, pulls only new layers, and reports prep and sync', async () => {
    const { outcome, steps } = await rollout('ok');
    assert.equal(outcome.stoppedBecause, undefined);
    assert.equal(steps.length, 3);
    for (const [i, { result, samples, nodeTrees }] of steps.entries()) {
      assert.equal(result.strategy, 'hybrid');
      assert.equal(result.failedNodes, 0, samples.map((s) => s.error).join('\n'));
      assert.ok(samples.every((s) => s.strategy === 'hybrid'));
      const expected = await imageRootfs(result.step);
      assert.ok(expected.length > 10, 'the rootfs has code in it');
      // The same code tree the volume side ships (the plain tree `generate --tree` wrote).
      assert.deepEqual(expected, await treeDigest((images.trees[i] as { dir: string }).dir));
      assert.equal(nodeTrees.size, 3);
      for (const [node, digest] of nodeTrees) assert.deepEqual(digest, expected, `${node} after ${result.step}`);
      const deploy = result.deploy;
      assert.ok(deploy !== undefined && 'prep' in deploy);
      assert.ok(deploy.prep > 0 && deploy.sync > 0);
      assert.ok(Math.abs(deploy.total - (deploy.prep + deploy.sync)) < 1e-9);
      assert.ok(Math.abs(result.makespanSeconds - deploy.total) < 1e-9);
      assert.ok(result.volume !== undefined && result.volume.masterEgressBytes > 0);
    }
    const [initial, backport] = steps.map((s) => s.result);
    // The master holds the initial image's layers: a backport pulls only the changed component's layer.
    const initialLayers = images.strategies[0]?.images[0]?.layers ?? [];
    const backportLayers = images.strategies[0]?.images[1]?.layers ?? [];
    const newLayers = backportLayers.filter((l) => !initialLayers.some((o) => o.digest === l.digest));
    assert.equal(initial?.registryBytesServed, initialLayers.reduce((n, l) => n + l.bytes, 0));
    assert.equal(backport?.registryBytesServed, newLayers.reduce((n, l) => n + l.bytes, 0));
    // rsync's quick check still works on the unpacked tree: a backport moves far less than the initial sync.
    assert.ok((backport?.bytesDownloaded ?? Infinity) * 5 < (initial?.bytesDownloaded ?? 0), `${backport?.bytesDownloaded} vs ${initial?.bytesDownloaded}`);
  });

  it('records a registry that dies before the master\'s pull: the step fails on every node, earlier steps are kept', async () => {
    // The registry goes away once the first step is out; the second step's pull finds it gone.
    const { outcome, steps } = await rollout('dead', async (index) => {
      if (index === 0) await registry.stop();
    });
    assert.match(outcome.stoppedBecause ?? '', /every node failed hybrid/);
    assert.equal(steps.length, 2);
    assert.equal(steps[0]?.result.failedNodes, 0);
    const failed = steps[1];
    assert.ok(failed !== undefined);
    assert.equal(failed.result.failedNodes, 3);
    assert.ok(failed.samples.every((s) => /deployment master's pull of t\/hybrid:backport-1 failed/.test(s.error ?? '')), failed.samples[0]?.error);
    const deploy = failed.result.deploy;
    assert.ok(deploy !== undefined && 'prep' in deploy && deploy.prep > 0 && deploy.sync === 0);
    // The nodes still hold the first step's tree: a failed prep ships nothing.
    assert.deepEqual(await treeDigest(join(work, 'dead', 'nodes', 'node-1')), await imageRootfs('initial'));
  });
});
