import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { GZIP_BLOCK_BYTES, GZIP_MEM_LEVEL, type GzipSettings, GzipWorkerPool, ParallelGzip } from '../../src/image/parallel-gzip.ts';
import { ShipbenchError } from '../../src/core/errors.ts';

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

const LIBDEFLATE: GzipSettings = { engine: 'libdeflate', level: 1 };
const ZLIB: GzipSettings = { engine: 'zlib', level: 1 };

/** Members in a multi-member gzip stream: inflate each one's deflate data to learn where it ends. */
function memberCount(gz: Buffer): number {
  let count = 0;
  for (let at = 0; at < gz.length; count++) {
    assert.deepEqual([...gz.subarray(at, at + 4)], [0x1f, 0x8b, 8, 0], `a plain gzip member header at ${at}`);
    const { engine } = inflateRawSync(gz.subarray(at + 10), { info: true }) as unknown as { engine: { bytesWritten: number } };
    at += 10 + engine.bytesWritten + 8;
  }
  return count;
}

async function compress(pool: GzipWorkerPool, data: Buffer, chunkBytes: number, settings: GzipSettings = LIBDEFLATE): Promise<Buffer> {
  const members: Buffer[] = [];
  const gzip = new ParallelGzip(pool, settings, (m) => {
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
    it(`zlib: gunzips back to the input (${size} bytes), one member per block, the bytes gzipSync writes`, async () => {
      const data = input(size);
      const out = await compress(pool, data, 300_001, ZLIB);
      assert.ok(gunzipSync(out).equals(data));
      // Same bytes as gzipping each block on its own with the same zlib: the workers add nothing.
      const blocks = Math.max(1, Math.ceil(size / BLOCK));
      const expected = Buffer.concat(Array.from({ length: blocks }, (_, i) => gzipSync(data.subarray(i * BLOCK, (i + 1) * BLOCK), { level: 1, memLevel: GZIP_MEM_LEVEL })));
      assert.ok(out.equals(expected));
    });

    it(`libdeflate: gunzips back to the input (${size} bytes), one member per block`, async () => {
      const data = input(size);
      const out = await compress(pool, data, 300_001, LIBDEFLATE);
      assert.ok(gunzipSync(out).equals(data));
      assert.equal(memberCount(out), Math.max(1, Math.ceil(size / BLOCK)));
    });
  }

  for (const settings of [LIBDEFLATE, ZLIB]) {
    it(`${settings.engine}: is deterministic whatever the write sizes and worker count`, async () => {
      const data = input(3 * BLOCK + 12_345);
      const one = new GzipWorkerPool(1);
      try {
        const a = await compress(pool, data, 4096, settings);
        const b = await compress(one, data, 2 * BLOCK + 3, settings);
        assert.ok(a.equals(b));
      } finally {
        await one.close();
      }
    });
  }

  it('libdeflate makes other bytes than zlib for the same input, and a smaller stream on text', async () => {
    const data = Buffer.from('<?php\n// MediaWiki-ish\nfunction wfMessage( $key ) { return new Message( $key ); }\n'.repeat(40_000));
    const a = await compress(pool, data, 65_536, LIBDEFLATE);
    const b = await compress(pool, data, 65_536, ZLIB);
    assert.ok(gunzipSync(a).equals(data) && gunzipSync(b).equals(data));
    assert.ok(!a.equals(b));
    assert.ok(a.length < b.length, `libdeflate ${a.length} bytes, zlib ${b.length}`);
  });

  it('stores incompressible blocks in more room than the input when it must', async () => {
    const data = Buffer.alloc(2 * BLOCK);
    for (let i = 0; i < data.length; i += 32) createHash('sha256').update(String(i)).digest().copy(data, i);
    const out = await compress(pool, data, BLOCK, LIBDEFLATE);
    assert.ok(out.length > data.length);
    assert.ok(gunzipSync(out).equals(data));
  });

  it('fingerprints each engine and level by its output, the same in every pool', async () => {
    const other = new GzipWorkerPool(1);
    try {
      const fp = await pool.fingerprint(LIBDEFLATE);
      assert.match(fp, /^libdeflate level 1 #[0-9a-f]{16}$/);
      assert.equal(await other.fingerprint(LIBDEFLATE), fp);
      assert.notEqual(await pool.fingerprint(ZLIB), fp);
      assert.notEqual(await pool.fingerprint({ engine: 'libdeflate', level: 6 }), fp);
    } finally {
      await other.close();
    }
  });

  it('says how to fix a libdeflate that cannot be loaded; zlib still works in that pool', async () => {
    const broken = new GzipWorkerPool(1, { libdeflatePath: '/nonexistent/libdeflate.so.0' });
    try {
      await assert.rejects(broken.fingerprint(LIBDEFLATE), (err: unknown) => {
        assert.ok(err instanceof ShipbenchError);
        assert.equal(err.code, 'gzip-engine-unavailable');
        assert.match(err.message, /\/nonexistent\/libdeflate\.so\.0/);
        assert.match(err.hint ?? '', /apt-get install libdeflate0/);
        assert.match(err.hint ?? '', /engine: zlib/);
        return true;
      });
      const data = input(BLOCK + 3);
      assert.ok(gunzipSync(await compress(broken, data, 65_536, ZLIB)).equals(data));
    } finally {
      await broken.close();
    }
  });

  it('serves several streams at once from one pool', async () => {
    const inputs = [input(2 * BLOCK + 5), input(BLOCK / 2), input(4 * BLOCK)];
    const outs = await Promise.all(inputs.map((d, i) => compress(pool, d, 65_536, { engine: i === 1 ? 'zlib' : 'libdeflate', level: 6 })));
    outs.forEach((out, i) => assert.ok(gunzipSync(out).equals(inputs[i] as Buffer)));
  });

  it('hands every input block to onBlock, in order, before compressing it', async () => {
    const data = input(3 * BLOCK + 777);
    const seen: Buffer[] = [];
    const gzip = new ParallelGzip(pool, LIBDEFLATE, () => undefined, { onBlock: (b) => void seen.push(Buffer.from(b)) });
    for (let offset = 0; offset < data.length; offset += 100_000) if (!gzip.write(data.subarray(offset, offset + 100_000))) await gzip.ready();
    await gzip.end();
    assert.deepEqual(seen.map((b) => b.length), [BLOCK, BLOCK, BLOCK, 777]);
    assert.ok(Buffer.concat(seen).equals(data));
  });

  it('bounds the blocks in flight: write asks the caller to wait while output is blocked', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const gzip = new ParallelGzip(pool, LIBDEFLATE, () => blocked, { maxInFlight: 2 });
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
    assert.throws(() => new ParallelGzip(pool, { engine: 'libdeflate', level: 10 }, () => undefined), /level/);
    const closed = new GzipWorkerPool(1);
    await closed.close();
    const gzip = new ParallelGzip(closed, LIBDEFLATE, () => undefined);
    gzip.write(Buffer.alloc(10));
    await assert.rejects(gzip.end(), /closed/);
  });
});
