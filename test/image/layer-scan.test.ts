import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { pack } from 'tar-stream';
import { ShipbenchError } from '../../src/core/errors.ts';
import { scanLayer } from '../../src/image/layer-scan.ts';
import { VerifiedBlob } from '../../src/image/verified-blob.ts';

/**
 * A tar of 300 files (12 MB) gzipped the way shipbench's parallel gzip writes layers: one gzip member per
 * 256 KiB block, so a corrupt early member fails inflate (its CRC) while most of the blob is still unread.
 */
async function gzipTar(): Promise<Buffer> {
  const packer = pack();
  const parts: Buffer[] = [];
  packer.on('data', (d: unknown) => void parts.push(d as Buffer));
  const ended = new Promise<void>((resolve) => packer.on('end', () => resolve()));
  for (let i = 0; i < 300; i++) packer.entry({ name: `srv/app/f${i}.txt` }, randomBytes(20_000).toString('hex'));
  packer.finalize();
  await ended;
  const tar = Buffer.concat(parts);
  const members: Buffer[] = [];
  for (let at = 0; at < tar.length; at += 256 * 1024) members.push(gzipSync(tar.subarray(at, at + 256 * 1024), { level: 1 }));
  return Buffer.concat(members);
}

describe('scanLayer on a corrupt gzip layer', () => {
  it('fails with a clear error instead of waiting forever for the dead gunzip to drain', { timeout: 20_000 }, async () => {
    const work = await mkdtemp(join(tmpdir(), 'shipbench-layer-scan-'));
    try {
      const blob = await gzipTar();
      // Above 4 MiB, so the blob reader hashes off-thread as it does for real layers.
      assert.ok(blob.length > 4 * 2 ** 20, `${blob.length} bytes`);
      const expected = { digest: `sha256:${createHash('sha256').update(blob).digest('hex')}`, size: blob.length };
      const path = join(work, 'blob');
      const bad = Buffer.from(blob);
      bad[100_000] = (bad[100_000] as number) ^ 0xff; // one byte inside the first chunk's deflate data
      await writeFile(path, bad);
      await assert.rejects(scanLayer(new VerifiedBlob(path, expected, 'layer x'), { what: 'layer x' }), (error: unknown) => error instanceof ShipbenchError && /layer x/.test(error.message));
      await writeFile(path, blob);
      const good = await scanLayer(new VerifiedBlob(path, expected, 'layer x'), { what: 'layer x' });
      assert.equal(good.files, 300);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
