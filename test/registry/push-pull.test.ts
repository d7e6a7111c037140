import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { readImage } from '../../src/image/oci-layout-reader.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { freePort } from '../../src/core/free-port.ts';
import { skopeo } from '../support/peer-tools.ts';
import { generateTinyLayouts, registryBlobDataPath, sha256File } from '../support/registry-process.ts';

interface PulledManifest {
  config: { digest: string; size: number };
  layers: Array<{ digest: string; size: number }>;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function assertShipbenchError(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ShipbenchError, `a ShipbenchError, not ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

describe('push and pull against a real registry, judged by skopeo', { timeout: 300_000 }, () => {
  let work: string;
  let layout: string;
  let registry: EmbeddedRegistry;
  let client: DistributionClient;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-push-pull-'));
    [layout, registry] = await Promise.all([generateTinyLayouts(join(work, 'images')), startEmbeddedRegistry()]);
    client = new DistributionClient({ baseUrl: registry.url });
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('pushes a generated image that skopeo pulls back byte for byte', async () => {
    const image = await readImage(layout, 'initial');
    const pushed = await pushLayoutImage(client, layout, 'initial', 'mediawiki/app');
    assert.equal(pushed.manifestDigest, image.manifestDigest);
    assert.equal(pushed.blobsPushed, image.manifest.layers.length + 1);
    assert.equal(pushed.blobsSkipped, 0);
    const blobBytes = image.manifest.layers.reduce((n, l) => n + l.size, image.manifest.config.size);
    assert.equal(pushed.bytesUp, blobBytes + image.manifestBytes);

    const dir = join(work, 'skopeo-dir');
    await skopeo('copy', '--src-tls-verify=false', `docker://127.0.0.1:${registry.port}/mediawiki/app:initial`, `dir:${dir}`);
    assert.equal(sha256(await readFile(join(dir, 'manifest.json'))), image.manifestDigest);
    for (const blob of [image.manifest.config, ...image.manifest.layers]) {
      assert.equal(await sha256File(join(dir, blob.digest.replace('sha256:', ''))), blob.digest);
    }
  });

  it('pulls an image skopeo pushed: manifest and every layer, verified on the way and on disk', async () => {
    const image = await readImage(layout, 'train-1');
    await skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:train-1`, `docker://127.0.0.1:${registry.port}/other/app:train-1`);
    const manifest = await client.getManifest('other/app', 'train-1');
    assert.equal(manifest.digest, image.manifestDigest);
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const byDigest = await client.getManifest('other/app', manifest.digest);
    assert.deepEqual(byDigest.bytes, manifest.bytes);

    const parsed = JSON.parse(manifest.bytes.toString('utf8')) as PulledManifest;
    const out = join(work, 'pulled');
    await mkdir(out, { recursive: true });
    for (const layer of parsed.layers) {
      const file = join(out, layer.digest.replace('sha256:', ''));
      const sink = createWriteStream(file);
      let reported = 0;
      const { bytes } = await client.fetchBlob('other/app', layer.digest, sink, { size: layer.size, onBytes: (n) => (reported += n) });
      sink.end();
      await finished(sink);
      assert.equal(bytes, layer.size);
      assert.equal(reported, layer.size);
      assert.equal((await stat(file)).size, layer.size);
      assert.equal(await sha256File(file), layer.digest);
    }
    assert.equal(client.stats.retries, 0);
  });

  it('uploads in small PATCH chunks to the same digest', async () => {
    const image = await readImage(layout, 'config-1');
    const pushed = await pushLayoutImage(client, layout, 'config-1', 'chunked/app', 'cfg', { chunkBytes: 256 * 1024 });
    assert.equal(pushed.manifestDigest, image.manifestDigest);
    assert.ok(pushed.blobsPushed >= 2);
    const biggest = image.manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
    assert.ok(biggest.size > 4 * 256 * 1024, 'the largest layer takes several chunks');
    const dir = join(work, 'skopeo-chunked');
    await skopeo('copy', '--src-tls-verify=false', `docker://127.0.0.1:${registry.port}/chunked/app:cfg`, `dir:${dir}`);
    assert.equal(await sha256File(join(dir, biggest.digest.replace('sha256:', ''))), biggest.digest);
  });

  it('uploads a blob whose size is not a multiple of the chunk, and one of zero bytes', async () => {
    for (const bytes of [randomBytes(1000 * 3 + 7), Buffer.alloc(0)]) {
      const digest = sha256(bytes);
      const result = await client.pushBlob('odd/sizes', digest, bytes.length, () => Readable.from([bytes]), { chunkBytes: 1000 });
      assert.deepEqual(result, { skipped: false });
      const chunks: Buffer[] = [];
      await client.fetchBlob('odd/sizes', digest, (c) => void chunks.push(c), { size: bytes.length });
      assert.deepEqual(Buffer.concat(chunks), bytes);
    }
  });

  it('skips every blob on a second push (HEAD finds them)', async () => {
    await pushLayoutImage(client, layout, 'initial', 'again/app');
    const before = client.stats.bytesUp;
    const second = await pushLayoutImage(client, layout, 'initial', 'again/app');
    assert.equal(second.blobsPushed, 0);
    const image = await readImage(layout, 'initial');
    assert.equal(second.blobsSkipped, image.manifest.layers.length + 1);
    assert.equal(client.stats.bytesUp - before, image.manifestBytes, 'only the manifest went up again');
  });

  it('refuses a blob whose source holds other bytes than its size', async () => {
    const bytes = randomBytes(5000);
    await assert.rejects(
      client.pushBlob('bad/size', sha256(bytes), 6000, () => Readable.from([bytes])),
      assertShipbenchError('blob-size-mismatch', /holds 5000 bytes, the descriptor says 6000/),
    );
  });

  // 1 MiB is hashed on the receiving thread, 6 MiB on a hash worker: both paths must catch it.
  for (const size of [2 ** 20, 6 * 2 ** 20]) {
    it(`fails with 'digest-mismatch' when the registry serves other bytes than the digest names (${size / 2 ** 20} MiB)`, async () => {
      const bytes = randomBytes(size);
      const digest = sha256(bytes);
      await client.pushBlob('corrupt/app', digest, bytes.length, () => Readable.from([bytes]));
      // Flip a byte in the registry's own copy on disk: same size, other content.
      const corrupted = Buffer.from(bytes);
      corrupted[12345] = (corrupted[12345] ?? 0) ^ 0xff;
      await writeFile(registryBlobDataPath(registry.storageDir, digest), corrupted);
      let delivered = 0;
      await assert.rejects(
        client.fetchBlob('corrupt/app', digest, () => void 0, { size: bytes.length, onBytes: (n) => (delivered += n) }),
        assertShipbenchError('digest-mismatch', new RegExp(`blob corrupt/app@${digest}: expected ${digest}, got sha256:`)),
      );
      assert.equal(delivered, bytes.length, 'streamed, then judged');
      // A sink that digests the bytes itself (a content store checking at commit) takes the check over.
      const seen = createHash('sha256');
      await client.fetchBlob('corrupt/app', digest, (chunk) => void seen.update(chunk), { size: bytes.length, digestedBySink: true });
      assert.equal(`sha256:${seen.digest('hex')}`, sha256(corrupted), 'the sink got the bytes as served, for its own check');
    });
  }

  it("fails with 'registry-manifest-not-found' for a missing tag, without retrying a 4xx", async () => {
    const retries = client.stats.retries;
    await assert.rejects(client.getManifest('mediawiki/app', 'no-such-tag'), assertShipbenchError('registry-manifest-not-found'));
    assert.equal(client.stats.retries, retries);
  });

  it("fails with 'registry-name-invalid' before any request for a bad repository name", async () => {
    await assert.rejects(client.getManifest('Upper/Case', 'x'), assertShipbenchError('registry-name-invalid'));
  });

  it("fails with 'registry-unreachable' and a hint when nothing listens", async () => {
    const port = await freePort();
    const nowhere = new DistributionClient({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    try {
      await assert.rejects(nowhere.ping(), (error: unknown) => {
        assertShipbenchError('registry-unreachable', new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`))(error);
        assert.match((error as ShipbenchError).hint ?? '', /curl http:\/\/127\.0\.0\.1:\d+\/v2\//);
        return true;
      });
      assert.equal(nowhere.stats.retries, 1);
    } finally {
      await nowhere.close();
    }
  });
});
