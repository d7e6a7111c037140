import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerArchiveSource } from '../../src/image/docker-archive-source.ts';
import { type ImageSetFigures, measureImageSource } from '../../src/image/image-figures.ts';
import { ociLayoutSource } from '../../src/image/oci-layout-source.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { registryImageSource } from '../../src/registry/registry-image-source.ts';
import { skopeo } from '../support/peer-tools.ts';
import { buildUmociImage } from '../support/umoci-images.ts';

// v1 writes five files; v2 overwrites one, deletes one and a directory of two, and adds one.
const V1 = [
  { write: 'srv/a/f1', bytes: 10_000 },
  { write: 'srv/a/f2', bytes: 3_000 },
  { write: 'srv/d/g', bytes: 5_000 },
  { write: 'srv/d/h', bytes: 1_500 },
  { write: 'srv/keep', bytes: 2_000 },
];
const V2 = [{ write: 'srv/a/f1', bytes: 7_000 }, { remove: 'srv/a/f2' }, { remove: 'srv/d' }, { write: 'srv/new', bytes: 4_000 }];
// By hand: every file copy of both layers, and the copies v2 hides (old f1, f2, and g and h under d).
const FILE_BYTES = 10_000 + 3_000 + 5_000 + 1_500 + 2_000 + 7_000 + 4_000;
const WASTED_BYTES = 10_000 + 3_000 + 5_000 + 1_500;

describe('OCI layout, docker-archive and registry readers agree on a real umoci image', { timeout: 180_000 }, () => {
  let work: string;
  let layout: string;
  let registry: EmbeddedRegistry;
  const read: Record<string, ImageSetFigures> = {};

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-sources-'));
    layout = join(work, 'oci');
    [registry] = await Promise.all([startEmbeddedRegistry(), buildUmociImage(layout, [{ tag: 'v1', changes: V1 }, { tag: 'v2', changes: V2 }])]);
    const archive = join(work, 'app.tar');
    await skopeo('copy', '-q', `oci:${layout}:v2`, `docker-archive:${archive}:check/app:v2`);
    const host = new URL(registry.url).host;
    await skopeo('copy', '-q', '--dest-tls-verify=false', `oci:${layout}:v2`, `docker://${host}/check/app:v2`);
    read.oci = await measureImageSource(ociLayoutSource(layout, 'v2'));
    read.archive = await measureImageSource(dockerArchiveSource(archive));
    const source = registryImageSource(`http://${host}/check/app:v2`);
    try {
      read.registry = await measureImageSource(source);
    } finally {
      await source.close();
    }
  });
  after(async () => {
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('finds the wasted bytes computed by hand from the files written', () => {
    for (const [how, figures] of Object.entries(read)) {
      const [image] = figures.images;
      assert.equal(image?.fileBytes, FILE_BYTES, how);
      assert.equal(image?.wastedBytes, WASTED_BYTES, how);
      assert.equal(image?.efficiency, 1 - WASTED_BYTES / FILE_BYTES, how);
      assert.equal(image?.files, 7, how);
      assert.equal(image?.layers, 2, how);
    }
  });

  it('agrees on every uncompressed figure and on the layers themselves (diff_ids)', () => {
    const exact = (f: ImageSetFigures) => {
      const { name: _name, layerList, compressedBytes: _c, largestLayerBytes: _l, ...rest } = f.images[0] ?? assert.fail('no image');
      return { ...rest, layers: layerList.map((l) => ({ diffId: l.diffId, uncompressedBytes: l.uncompressedBytes, files: l.files, role: l.role })) };
    };
    assert.deepEqual(exact(read.archive as ImageSetFigures), exact(read.oci as ImageSetFigures));
    assert.deepEqual(exact(read.registry as ImageSetFigures), exact(read.oci as ImageSetFigures));
  });

  it('agrees on compressed figures: exactly between layout and registry, as an estimate from the archive', () => {
    const oci = read.oci?.images[0];
    const reg = read.registry?.images[0];
    const arc = read.archive?.images[0];
    assert.ok(oci && reg && arc);
    assert.equal(reg.compressedBytes, oci.compressedBytes);
    assert.equal(reg.largestLayerBytes, oci.largestLayerBytes);
    assert.deepEqual(read.registry?.deploy, read.oci?.deploy.map((c) => ({ ...c, step: 'check/app:v2' })));
    assert.equal(read.oci?.compressedEstimatedAtGzipLevel, undefined);
    assert.equal(read.registry?.compressedEstimatedAtGzipLevel, undefined);
    // docker-archive stores layers uncompressed (skopeo and docker save both do): gzip -6 of them must land
    // near what umoci's own gzip stored, and the figures say they are estimates.
    assert.equal(read.archive?.compressedEstimatedAtGzipLevel, 6);
    assert.ok(Math.abs(arc.compressedBytes - oci.compressedBytes) / oci.compressedBytes < 0.05, `${arc.compressedBytes} vs ${oci.compressedBytes}`);
    assert.equal(read.archive?.deploy[0]?.downloadBytes, arc.compressedBytes);
  });

  it('a layout with two tags is a deploy sequence: v2 downloads only the layer v1 lacks', async () => {
    const both = await measureImageSource(ociLayoutSource(layout));
    assert.deepEqual(both.images.map((i) => i.name).filter((n) => n !== 'empty'), ['v1', 'v2']);
    const v2 = both.deploy.find((c) => c.step === 'v2');
    const top = both.images.find((i) => i.name === 'v2')?.layerList[1];
    assert.equal(v2?.newLayers, 1);
    assert.equal(v2?.downloadBytes, top?.bytes);
    assert.equal(both.images.find((i) => i.name === 'v1')?.wastedBytes, 0);
  });
});
