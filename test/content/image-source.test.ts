import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGenerate } from '../../src/cli/run-generate.ts';
import { ShipbenchError } from '../../src/core/errors.ts';
import type { GeneratedImageSet } from '../../src/image/image-set-writer.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import type { ScenarioInput } from '../../src/scenario/schema.ts';
import { treeFileBytes } from '../support/tree-digest.ts';

const REPO_ROOT = join(import.meta.dirname, '../..');

const generate = (input: ScenarioInput, out: string, trees = true): Promise<GeneratedImageSet> =>
  runGenerate(resolveScenario(input, join(REPO_ROOT, 'scenario.yaml')), { outDir: out, owner: { command: 'generate', force: false }, trees, workers: 1, onEvent: () => undefined });

describe('content.source: an image, its rootfs flattened and re-layered', () => {
  let work: string;
  let first: GeneratedImageSet;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'shipbench-image-source-'));
    const tree = join(work, 'tree');
    cpSync(join(REPO_ROOT, 'fixtures/sources/tiny-tree'), tree, { recursive: true });
    writeFileSync(join(tree, 'includes', 'Extra.php'), '<?php\n// removed by the backport\n'.repeat(20));
    // incremental: the backport's image is the initial layer plus a diff layer whose whiteout removes a file.
    first = await generate({ name: 'img-a', seed: 2, content: { preset: 'empty', source: { dir: tree } }, image: { strategies: [{ incremental: { rebuildAbove: 1 }, name: 'incr' }] }, deploy: ['initial', { backport: { files: 1, removes: 1 } }] }, join(work, 'a'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('ships exactly the files the image holds (layers and whiteouts applied), under a new layering', async () => {
    const layout = first.strategies[0]?.layoutDir as string;
    assert.equal(first.strategies[0]?.images[1]?.layers.length, 2, 'the backport image is two layers');
    const second = await generate({ name: 'img-b', seed: 2, content: { preset: 'empty', source: { image: `${layout}:backport-1` } }, image: { strategies: ['monolithic'] } }, join(work, 'b'));
    assert.deepEqual(treeFileBytes(second.trees[0]?.dir as string), treeFileBytes(first.trees[1]?.dir as string));
    assert.equal(second.strategies[0]?.images[0]?.layers.length, 1);
    assert.equal(second.contentSource?.label.kind, 'image');
    assert.match(second.contentSource?.label.detail ?? '', /^backport-1, 2 layers flattened: 7 files/);
  });

  it('points at an image that is not there by line and column', async () => {
    const file = join(work, 'bad.yaml');
    writeFileSync(file, 'name: bad\ncontent:\n  source:\n    image: ./no-such-layout:v1\n');
    const error = await loadScenario(file).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ShipbenchError);
    assert.deepEqual(error.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}`), ['4:12 content.source.image']);
    assert.match(error.problems[0]?.message ?? '', /no-such-layout:v1 does not exist/);
  });
});
