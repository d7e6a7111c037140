import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GZIP_BLOCK_BYTES, GZIP_MEM_LEVEL, GzipWorkerPool, ParallelGzip } from '../../src/image/parallel-gzip.ts';

const BLOCK = GZIP_BLOCK_BYTES;

/** Half text, half hash bytes: compresses somewhat, like layer content, and differs block to block. */
function input(size: number): Buffer {
  const out = Buffer.alloc(size);
  let offset = 0;
  for (let i = 0; offset < size; i++) {
    const piece = i % 2 === 0 ? Buffer.from(`line ${i} of some php-ish text; $x = foo(${i});\n`) : createHash('sha256').update(String(i)).digest();
    offset += piece.copy(out, offset);
  }
  return out;
}

async function compress(pool: GzipWorkerPool, data: Buffer, chunkBytes: number, level = 1): Promise<Buffer> {
  const members: Buffer[] = [];
  const gzip = new ParallelGzip(pool, level, (m) => {
    members.push(Buffer.from(m)); // members are lent: their buffers are reused once output returns
  });
  for (let offset = 0; offset < data.length; offset += chunkBytes) {
    if (!gzip.write(data.subarray(offset, offset + chunkBytes))) await gzip.ready();
  }
  await gzip.end();
  assert.equal(gzip.inputBytes, data.length);
  return Buffer.concat(members);
}

describe('parallel gzip', () => {
  const pool = new GzipWorkerPool(2);
  after(() => pool.close());

  for (const size of [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 7]) {
    it(`gunzips back to the input (${size} bytes), one member per block`, async () => {
      const data = input(size);
      const out = await compress(pool, data, 300_001);
      assert.ok(gunzipSync(out).equals(data));
      // Same bytes as gzipping each block on its own with the same zlib: the workers add nothing.
      const blocks = Math.max(1, Math.ceil(size / BLOCK));
      const expected = Buffer.concat(Array.from({ length: blocks }, (_, i) => gzipSync(data.subarray(i * BLOCK, (i + 1) * BLOCK), { level: 1, memLevel: GZIP_MEM_LEVEL })));
      assert.ok(out.equals(expected));
    });
  }

  it('is deterministic whatever the write sizes and worker count', async () => {
    const data = input(3 * BLOCK + 12_345);
    const one = new GzipWorkerPool(1);
    try {
      const a = await compress(pool, data, 4096);
      const b = await compress(one, data, 2 * BLOCK + 3);
      assert.ok(a.equals(b));
    } finally {
      await one.close();
    }
  });

  it('serves several streams at once from one pool', async () => {
    const inputs = [input(2 * BLOCK + 5), input(BLOCK / 2), input(4 * BLOCK)];
    const outs = await Promise.all(inputs.map((d) => compress(pool, d, 65_536, 6)));
    outs.forEach((out, i) => assert.ok(gunzipSync(out).equals(inputs[i] as Buffer)));
  });

  it('bounds the blocks in flight: write asks the caller to wait while output is blocked', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const gzip = new ParallelGzip(pool, 1, () => blocked, { maxInFlight: 2 });
    assert.equal(gzip.write(Buffer.alloc(BLOCK)), true);
    assert.equal(gzip.write(Buffer.alloc(BLOCK)), false);
    let ready = false;
    const waiting = gzip.ready().then(() => (ready = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(ready, false);
    release();
    await waiting;
    await gzip.end();
  });

  it('rejects bad levels and work after close', async () => {
    assert.throws(() => new ParallelGzip(pool, 10, () => undefined), /level/);
    const closed = new GzipWorkerPool(1);
    await closed.close();
    const gzip = new ParallelGzip(closed, 1, () => undefined);
    gzip.write(Buffer.alloc(10));
    await assert.rejects(gzip.end(), /closed/);
  });
});
