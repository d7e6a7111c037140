import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import { compareEntryPaths, type FileEntry } from '../../src/content/file-entry.ts';
import { ShipbenchError } from '../../src/core/errors.ts';
import { LayerCache } from '../../src/image/layer-cache.ts';
import { listLayer } from '../../src/image/layer-listing.ts';
import type { LayerSpec } from '../../src/image/layer-spec.ts';
import { blobPath, writeLayer } from '../../src/image/layer-writer.ts';
import { OciMediaType } from '../../src/image/oci-media-types.ts';
import { GzipWorkerPool } from '../../src/image/parallel-gzip.ts';

const synth = createContentSynthesizer(5);
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function file(path: string, bytes: number): FileEntry {
  return { path, bytes, mode: 0o644, kind: 'php', contentKey: `key:${path}`, component: 'core', version: undefined };
}

/** About 6 MB over a MediaWiki-like shape, so the blob spans several gzip blocks. */
function layerSpec(): LayerSpec {
  const files: FileEntry[] = [];
  for (let i = 0; i < 1500; i++) {
    const ext = ['extensions/Cite', 'extensions/Echo', 'includes', 'languages/i18n'][i % 4] as string;
    files.push(file(`srv/mediawiki/php-1.45.0-wmf.1/${ext}/F${i}.php`, 1000 + ((i * 7919) % 6000)));
  }
  files.push(file('srv/mediawiki/wmf-config/CommonSettings.php', 30_000));
  return { role: 'base', files: files.sort(compareEntryPaths), whiteouts: ['srv/mediawiki/php-1.44.0-wmf.9', 'srv/mediawiki/wmf-config/Old.php'] };
}

describe('layer writer', () => {
  let dir: string;
  const pool = new GzipWorkerPool(2);
  const spec = layerSpec();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipbench-layer-'));
  });
  after(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a gzip blob whose digest and diffId are the sha256 of the blob and of its gunzipped tar', async () => {
    const layer = await writeLayer(spec, synth, { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, dir);
    const blob = await readFile(blobPath(dir, layer.digest));
    assert.equal(layer.digest, sha256(blob));
    assert.equal(layer.bytes, blob.length);
    const tar = gunzipSync(blob); // a multi-member stream: Node reads every member
    assert.equal(layer.diffId, sha256(tar));
    assert.equal(layer.uncompressedBytes, tar.length);
    assert.ok(tar.length > 3 * 2 ** 20, 'spans several gzip blocks');
    assert.equal(layer.mediaType, OciMediaType.layerGzip);
    assert.equal(layer.files, spec.files.length);
    assert.equal(layer.fileBytes, spec.files.reduce((n, f) => n + f.bytes, 0));
    assert.equal(layer.whiteouts, 2);
    assert.equal(layer.role, 'base');
  });

  it('is deterministic and keeps an existing blob, leaving no temp files', async () => {
    const a = await writeLayer(spec, synth, { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, dir);
    const before = await stat(blobPath(dir, a.digest));
    const b = await writeLayer(spec, createContentSynthesizer(5), { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, dir);
    assert.deepEqual(b, a);
    const afterStat = await stat(blobPath(dir, a.digest));
    assert.equal(afterStat.ino, before.ino);
    assert.deepEqual(await readdir(dir), ['sha256']);
  });

  it('writes the plain tar for compression none: digest equals diffId', async () => {
    const layer = await writeLayer(spec, synth, { kind: 'none' }, pool, dir);
    assert.equal(layer.digest, layer.diffId);
    assert.equal(layer.bytes, layer.uncompressedBytes);
    assert.equal(layer.mediaType, OciMediaType.layerTar);
    const gz = await writeLayer(spec, synth, { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, dir);
    assert.equal(gz.diffId, layer.diffId);
  });

  it('lists a blob without holding it: counts, digests and where the bytes sit', async () => {
    const layer = await writeLayer(spec, synth, { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, dir);
    for (const l of [layer, await writeLayer(spec, synth, { kind: 'none' }, pool, dir)]) {
      const listing = await listLayer(blobPath(dir, l.digest));
      assert.equal(listing.compression, l.mediaType === OciMediaType.layerGzip ? 'gzip' : 'none');
      assert.equal(listing.digest, l.digest);
      assert.equal(listing.diffId, l.diffId);
      assert.equal(listing.blobBytes, l.bytes);
      assert.equal(listing.tarBytes, l.uncompressedBytes);
      assert.equal(listing.files, l.files);
      assert.equal(listing.fileBytes, l.fileBytes);
      assert.equal(listing.whiteouts, l.whiteouts);
      assert.equal(listing.otherEntries, 0);
      assert.equal(listing.entries, listing.files + listing.whiteouts + listing.directories);
    }
    const listing = await listLayer(blobPath(dir, layer.digest), { depths: [3, 4], top: 2 });
    assert.deepEqual(
      listing.largestDirectories.map((d) => [d.depth, d.path]),
      [
        [3, 'srv/mediawiki/php-1.45.0-wmf.1'],
        [3, 'srv/mediawiki/wmf-config'],
        [4, 'srv/mediawiki/php-1.45.0-wmf.1/extensions'],
        [4, 'srv/mediawiki/php-1.45.0-wmf.1/includes'],
      ],
    );
    const ext = listing.largestDirectories.find((d) => d.path.endsWith('/extensions'));
    assert.equal(ext?.files, 750);
  });

  it('the layer cache answers only for the compressor that made a layer, and only while its blob is whole', async () => {
    const cache = new LayerCache(join(dir, 'cache'));
    const layer = await writeLayer(spec, synth, { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, cache.blobsDir);
    const made = await pool.fingerprint({ engine: 'libdeflate', level: 1 });
    await cache.put('key-1', layer, made);
    assert.deepEqual(await cache.get('key-1', made), layer);
    assert.equal(await cache.get('key-1', await pool.fingerprint({ engine: 'zlib', level: 1 })), undefined);
    assert.equal(await cache.get('key-2', made), undefined);
    await writeFile(blobPath(cache.blobsDir, layer.digest), 'truncated');
    assert.equal(await cache.get('key-1', made), undefined);
  });

  it('reports a truncated or corrupt blob as unreadable', async () => {
    const layer = await writeLayer(spec, synth, { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, dir);
    const blob = await readFile(blobPath(dir, layer.digest));
    const broken = join(dir, 'broken');
    for (const bytes of [blob.subarray(0, blob.length >> 1), Buffer.concat([blob.subarray(0, 10), Buffer.alloc(5000, 7)])]) {
      await writeFile(broken, bytes);
      await assert.rejects(listLayer(broken), (err: unknown) => err instanceof ShipbenchError && err.code === 'oci-layer-unreadable');
    }
    await rm(broken);
  });
});
