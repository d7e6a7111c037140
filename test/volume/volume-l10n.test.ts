import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import { runVolumeRollouts } from '../../src/harness/volume-mechanism.ts';
import { planImageSet } from '../../src/image/image-set-plan.ts';
import { generateImageSet, type GeneratedImageSet } from '../../src/image/image-set-writer.ts';
import { GzipWorkerPool } from '../../src/image/parallel-gzip.ts';
import { diffTrees } from '../../src/image/tree-diff.ts';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import type { StepResult } from '../../src/metrics/step-result.ts';
import type { ResolvedScenario } from '../../src/scenario/resolved.ts';
import { umociRootfs } from '../support/peer-tools.ts';
import { smallScenario } from '../support/scenarios.ts';
import { treeDigest } from '../support/tree-digest.ts';

const BRANCH = 'srv/mediawiki/php-1.45.0-wmf.1';
const CACHE = `${BRANCH}/cache/l10n`;

/** Tiny content: some code and a three-language l10n cache on one branch; an initial step, an l10n rebuild, and with rebuild a train. */
function l10nScenario(l10n: 'rebuild' | 'ship'): ResolvedScenario {
  return smallScenario({
    content: {
      preset: 'empty',
      versions: 1,
      components: [
        { name: 'core', files: 20, size: '100KB', kind: 'php', perVersion: true, dir: `${BRANCH.replace('1.45.0-wmf.1', '{version}')}/includes` },
        { name: 'l10n-cache', files: 3, size: '600KB', kind: 'cdb', perVersion: true, dir: `${CACHE.replace('1.45.0-wmf.1', '{version}')}` },
      ],
    },
    image: { strategies: ['monolithic'] },
    deploy: l10n === 'rebuild' ? ['initial', 'l10n', 'train'] : ['initial', 'l10n'],
    fleet: { nodes: 2 },
    volume: { proxies: 1, l10n },
    measure: { repeat: 1, warmup: 0 },
  });
}

async function cdbFiles(dir: string): Promise<Map<string, Buffer>> {
  // After the train the old branch is gone, cache directory included.
  const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.cdb')).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

describe('volume side: the l10n cache rebuilt on every node (scap) or shipped', { timeout: 300_000 }, () => {
  let work: string;
  const pool = new GzipWorkerPool(1);
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-volume-l10n-'));
  });
  after(async () => {
    await pool.close();
    await rm(work, { recursive: true, force: true });
  });

  async function rollout(l10n: 'rebuild' | 'ship') {
    const scenario = l10nScenario(l10n);
    const plan = planImageSet(scenario);
    const images: GeneratedImageSet = await generateImageSet(plan, { outDir: join(work, l10n, 'images'), trees: true, synth: createContentSynthesizer(scenario.seed), pool });
    const workDir = join(work, l10n, 'volume');
    const steps: Array<{ result: StepResult; samples: NodeStepSample[]; nodeTrees: Map<string, string[]>; nodeCdbs: Map<string, Map<string, Buffer>> }> = [];
    const outcome = await runVolumeRollouts({
      scenario,
      trees: images.trees,
      workDir,
      diskDevice: undefined,
      runStartMs: performance.now(),
      signal: undefined,
      onEvent: () => undefined,
      onStep: async (result, samples) => {
        const nodeTrees = new Map<string, string[]>();
        const nodeCdbs = new Map<string, Map<string, Buffer>>();
        for (const s of samples) {
          nodeTrees.set(s.node, await treeDigest(join(workDir, 'nodes', s.node)));
          nodeCdbs.set(s.node, await cdbFiles(join(workDir, 'nodes', s.node, CACHE)));
        }
        steps.push({ result, samples, nodeTrees, nodeCdbs });
      },
    });
    assert.equal(outcome.stoppedBecause, undefined);
    assert.equal(steps.length, scenario.deploy.length);
    // What changed between the steps: every language's upstream JSON and its CDB.
    const [initial, l10nStep] = plan.trees.map((t) => t.tree.files);
    const changed = diffTrees(initial ?? [], l10nStep ?? []).written;
    const json = changed.filter((f) => f.kind === 'json');
    const cdb = changed.filter((f) => f.kind === 'cdb');
    assert.equal(json.length, 3);
    assert.equal(cdb.length, 3);
    return { scenario, images, steps, json, cdb };
  }

  /** The image side's rootfs of the l10n step (umoci unpacks the monolithic image): its CDB files. */
  async function imageCdbs(images: GeneratedImageSet, l10n: string): Promise<Map<string, Buffer>> {
    const layout = images.strategies[0]?.layoutDir as string;
    const rootfs = await umociRootfs(layout, images.trees[1]?.step as string, join(work, l10n, 'rootfs'));
    return cdbFiles(join(rootfs, CACHE));
  }

  const sum = (files: ReadonlyArray<{ bytes: number }>) => files.reduce((n, f) => n + f.bytes, 0);

  it('rebuild (default): rsync moves the changed JSON, not the CDBs; every node rebuilds its CDBs byte-identical to the image\'s', async () => {
    assert.equal(smallScenario().volume.l10n, 'rebuild', 'rebuild is the default, as in scap');
    const { images, steps, json, cdb } = await rollout('rebuild');
    const expectedCdbs = await imageCdbs(images, 'rebuild');
    assert.equal(expectedCdbs.size, 3);
    for (const [i, { result, samples, nodeTrees }] of steps.entries()) {
      assert.equal(result.failedNodes, 0, samples.map((s) => s.error).join('\n'));
      // The whole node tree is the staging tree, CDBs included (rebuilt, not shipped).
      const staging = await treeDigest((images.trees[i] as { dir: string }).dir);
      for (const [node, digest] of nodeTrees) assert.deepEqual(digest, staging, `${node} after ${result.step}`);
      for (const s of samples) assert.equal(s.volume?.l10n?.languages, 3, `${s.node} ${result.step}: each language rebuilt (all new at first, all changed then, a new branch's)`);
    }
    // The train replaced the branch: rsync deleted the old one but for its excluded CDBs, which the rebuild
    // removed with the directories they kept (the node trees above are the staging tree, nothing more).
    for (const s of (steps[2] as (typeof steps)[number]).samples) assert.equal(s.volume?.l10n?.removed, 3);
    const l10nStep = steps[1] as (typeof steps)[number];
    for (const s of l10nStep.samples) {
      const rsync = s.volume?.rsync;
      assert.ok(rsync !== undefined);
      // rsync's own counters: the three JSON files went over the wire, and no CDB.
      assert.equal(rsync.filesTransferred, 3, JSON.stringify(rsync));
      assert.equal(rsync.transferredFileBytes, sum(json));
      assert.ok(rsync.bytesReceived > 0 && rsync.bytesReceived < sum(json), `${s.node} received ${rsync.bytesReceived} of ${sum(json)} JSON bytes (delta and compression)`);
      assert.ok(rsync.literalBytes < sum(json) / 2, `an l10n rebuild keeps most of each JSON matchable: ${rsync.literalBytes} literal of ${sum(json)}`);
      assert.equal(s.volume?.l10n?.cdbBytesWritten, sum(cdb));
      assert.equal(s.bytesWrittenToDisk, sum(json) + sum(cdb), 'the node wrote the JSON rsync brought and the CDBs it built');
      const built = l10nStep.nodeCdbs.get(s.node) as Map<string, Buffer>;
      assert.deepEqual([...built.keys()], [...expectedCdbs.keys()]);
      for (const [name, bytes] of expectedCdbs) assert.ok(built.get(name)?.equals(bytes), `${s.node} ${name}: byte-identical to the image's`);
    }
  });

  it('ship: rsync sends the CDBs beside the JSON, and nothing is rebuilt', async () => {
    const { images, steps, json, cdb } = await rollout('ship');
    const expectedCdbs = await imageCdbs(images, 'ship');
    const l10nStep = steps[1] as (typeof steps)[number];
    assert.equal(l10nStep.result.failedNodes, 0);
    for (const s of l10nStep.samples) {
      const rsync = s.volume?.rsync;
      assert.ok(rsync !== undefined);
      assert.equal(rsync.filesTransferred, 6, JSON.stringify(rsync));
      assert.equal(rsync.transferredFileBytes, sum(json) + sum(cdb));
      assert.equal(s.volume?.l10n, undefined);
      for (const [name, bytes] of expectedCdbs) assert.ok(l10nStep.nodeCdbs.get(s.node)?.get(name)?.equals(bytes), `${s.node} ${name}`);
    }
  });
});
