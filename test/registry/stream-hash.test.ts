import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { OFF_THREAD_MIN_BYTES, createStreamHash } from '../../src/registry/stream-hash.ts';

/** Splits `bytes` into chunks of uneven sizes, as sockets deliver them. */
function unevenChunks(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const n = [1, 65_536, 300_001, 7, 1_048_576, 262_144][i % 6] as number;
    chunks.push(bytes.subarray(offset, offset + n));
    offset += n;
  }
  return chunks;
}

/** `bytes` laid into 1 MiB SharedArrayBuffer slabs, as the plain-HTTP transport reads sockets: chunk views of them. */
function sharedChunks(bytes: Buffer): Buffer[] {
  const slabBytes = 2 ** 20;
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; ) {
    const slab = Buffer.from(new SharedArrayBuffer(slabBytes));
    // Start a little into each slab now and then: a range in the next slab is not contiguous with the last.
    for (let at = i % 3 === 0 ? 100 : 0; at < slabBytes && offset < bytes.length; i++) {
      const n = Math.min([65_536, 300_001, 7, 200_000][i % 4] as number, slabBytes - at, bytes.length - offset);
      bytes.copy(slab, at, offset, offset + n);
      chunks.push(slab.subarray(at, at + n));
      at += n;
      offset += n;
    }
  }
  return chunks;
}

describe('stream hash', () => {
  const bytes = randomBytes(3 * OFF_THREAD_MIN_BYTES + 12_345);
  const expected = createHash('sha256').update(bytes).digest('hex');

  it('hashes on a worker, in order, when each update is awaited', async () => {
    const hash = createStreamHash('sha256', bytes.length);
    for (const chunk of unevenChunks(bytes)) await hash.update(chunk);
    assert.equal(await hash.digest(), expected);
  });

  it('keeps the order when updates are not awaited (they queue behind a full worker)', async () => {
    const hash = createStreamHash('sha256', bytes.length);
    for (const chunk of unevenChunks(bytes)) void hash.update(chunk);
    assert.equal(await hash.digest(), expected);
  });

  it('hashes chunks in shared memory where they lie, merging neighbours, in order', async () => {
    const chunks = sharedChunks(bytes);
    assert.ok(chunks.every((c) => c.buffer instanceof SharedArrayBuffer));
    const awaited = createStreamHash('sha256', bytes.length);
    for (const chunk of chunks) await awaited.update(chunk);
    assert.equal(await awaited.digest(), expected);
    const unawaited = createStreamHash('sha256', bytes.length);
    for (const chunk of chunks) void unawaited.update(chunk);
    assert.equal(await unawaited.digest(), expected);
  });

  it('keeps the order when shared and copied chunks alternate', async () => {
    const chunks = sharedChunks(bytes).map((c, i) => (i % 5 === 2 ? Buffer.from(c) : c));
    assert.ok(chunks.some((c) => !(c.buffer instanceof SharedArrayBuffer)));
    const hash = createStreamHash('sha256', bytes.length);
    for (const chunk of chunks) await hash.update(chunk);
    assert.equal(await hash.digest(), expected);
  });

  it('runs several hashes at once, sha512 too', async () => {
    const other = randomBytes(OFF_THREAD_MIN_BYTES * 2);
    const results = await Promise.all(
      (['sha256', 'sha512', 'sha256'] as const).map(async (algorithm, i) => {
        const input = i === 1 ? other : bytes;
        const hash = createStreamHash(algorithm, input.length);
        for (const chunk of unevenChunks(input)) await hash.update(chunk);
        return [await hash.digest(), createHash(algorithm).update(input).digest('hex')];
      }),
    );
    for (const [got, want] of results) assert.equal(got, want);
  });

  it('hashes small inputs in place, and an aborted hash leaves nothing pending', async () => {
    const small = createStreamHash('sha256', 10);
    assert.equal(small.update(Buffer.from('0123456789')), undefined);
    assert.equal(await small.digest(), createHash('sha256').update('0123456789').digest('hex'));
    const aborted = createStreamHash('sha256', bytes.length);
    await aborted.update(bytes.subarray(0, 2 * 2 ** 20));
    aborted.abort();
    aborted.abort();
  });
});
