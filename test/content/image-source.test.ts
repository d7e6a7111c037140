import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGenerate } from '../../src/cli/run-generate.ts';
import { ShipbenchError } from '../../src/core/errors.ts';
import { flattenImage } from '../../src/image/image-rootfs.ts';
import type { GeneratedImageSet } from '../../src/image/image-set-writer.ts';
import { ociLayoutSource } from '../../src/image/oci-layout-source.ts';
import { writeImage, writeIndex } from '../../src/image/oci-layout-writer.ts';
import { OciMediaType } from '../../src/image/oci-media-types.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import type { ScenarioInput } from '../../src/scenario/schema.ts';
import { treeFileBytes } from '../support/tree-digest.ts';
import { tarOf, type TarEntry } from '../support/tar-entries.ts';

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


/** An uncompressed layer blob made by tar-stream, put in the layout's blob store; returns its descriptor facts. */
async function tarLayer(layout: string, role: string, entries: readonly TarEntry[]) {
  const tar = await tarOf(entries);
  const digest = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), tar);
  return { role, digest, diffId: digest, bytes: tar.length, uncompressedBytes: tar.length, files: 0, fileBytes: 0, whiteouts: 0, mediaType: OciMediaType.layerTar };
}

describe('content.source: an image\'s symlinks, shipped as symlinks', () => {
  let work: string;
  let layout: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'shipbench-image-links-'));
    layout = join(work, 'layout');
    const lower = await tarLayer(layout, 'lower', [
      { name: 'w/', type: 'directory' },
      { name: 'w/index.php', content: '<?php echo 1;\n' },
      { name: 'w/LocalSettings.php', type: 'symlink', linkname: '/etc/mediawiki/LocalSettings.php' },
      { name: 'w/gone', type: 'symlink', linkname: 'index.php' },
      { name: 'w/becomes-file', type: 'symlink', linkname: '../../etc/passwd' },
      { name: 'w/becomes-dir', type: 'symlink', linkname: '/tmp' },
      { name: 'w/dir-becomes-link/', type: 'directory' },
      { name: 'w/dir-becomes-link/old.php', content: '<?php // old\n' },
    ]);
    const upper = await tarLayer(layout, 'upper', [
      { name: 'w/.wh.gone' },
      { name: 'w/becomes-file', content: 'now a file\n' },
      { name: 'w/becomes-dir/', type: 'directory' },
      { name: 'w/becomes-dir/inside.php', content: '<?php // inside\n' },
      { name: 'w/dir-becomes-link', type: 'symlink', linkname: 'becomes-dir' },
      { name: 'w/twin', type: 'link', linkname: 'w/LocalSettings.php' },
    ]);
    const image = await writeImage(layout, { layers: [lower, upper], tag: 'v1' });
    await writeIndex(layout, [{ manifestDigest: image.manifestDigest, size: image.manifestBytes, tag: 'v1' }]);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('flattens links as links across layers, never through them', async () => {
    const root = join(work, 'rootfs');
    const flat = await flattenImage(ociLayoutSource(layout, 'v1'), root);
    assert.equal(flat.skipped, 0);
    assert.equal(readlinkSync(join(root, 'w/LocalSettings.php')), '/etc/mediawiki/LocalSettings.php');
    assert.equal(readlinkSync(join(root, 'w/twin')), '/etc/mediawiki/LocalSettings.php', 'a hard link to a link is the same link');
    assert.equal(lstatSync(join(root, 'w/gone'), { throwIfNoEntry: false }), undefined, 'the whiteout removed the link');
    assert.equal(readFileSync(join(root, 'w/becomes-file'), 'utf8'), 'now a file\n');
    assert.ok(lstatSync(join(root, 'w/becomes-dir')).isDirectory());
    assert.equal(readFileSync(join(root, 'w/becomes-dir/inside.php'), 'utf8'), '<?php // inside\n');
    assert.equal(lstatSync('/tmp/inside.php', { throwIfNoEntry: false }), undefined, 'nothing written through the old link');
    assert.equal(readlinkSync(join(root, 'w/dir-becomes-link')), 'becomes-dir');
  });

  it('ships them as links in the re-layered image and names them in the label', async () => {
    const set = await generate({ name: 'img-links', seed: 2, content: { preset: 'empty', source: { image: `${layout}:v1` } }, image: { strategies: ['monolithic'] } }, join(work, 'out'));
    assert.match(set.contentSource?.label.detail ?? '', /^v1, 2 layers flattened: 3 files, .* and 3 symlinks \(shipped as links\)$/);
    const tree = set.trees[0]?.dir as string;
    assert.equal(readlinkSync(join(tree, 'w/LocalSettings.php')), '/etc/mediawiki/LocalSettings.php');
    assert.equal(readlinkSync(join(tree, 'w/dir-becomes-link')), 'becomes-dir');
  });

  it('refuses an entry under a path a lower layer made a link', async () => {
    const escape = join(work, 'escape');
    const lower = await tarLayer(escape, 'lower', [{ name: 'w/', type: 'directory' }, { name: 'w/out', type: 'symlink', linkname: work }]);
    const upper = await tarLayer(escape, 'upper', [{ name: 'w/out/planted.php', content: '<?php\n' }, { name: 'w/out/.wh.layout' }]);
    const image = await writeImage(escape, { layers: [lower, upper], tag: 'v1' });
    await writeIndex(escape, [{ manifestDigest: image.manifestDigest, size: image.manifestBytes, tag: 'v1' }]);
    const error = await flattenImage(ociLayoutSource(escape, 'v1'), join(work, 'escape-rootfs')).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ShipbenchError);
    assert.equal(error.code, 'content-source-unsafe-path');
    assert.equal(lstatSync(join(work, 'planted.php'), { throwIfNoEntry: false }), undefined);
    assert.ok(lstatSync(join(work, 'layout')).isDirectory());
  });
});
