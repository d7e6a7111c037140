import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { OFF_THREAD_MIN_BYTES, createStreamHash } from '../../src/core/stream-hash.ts';

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

  it('hash after hash on the same workers, each digest right, updates awaited or not', async () => {
    for (let i = 0; i < 12; i++) {
      const input = bytes.subarray(i * 1000, bytes.length - i * 777);
      const hash = createStreamHash('sha256', input.length);
      for (const chunk of unevenChunks(input)) {
        if (i % 2 === 0) await hash.update(chunk);
        else void hash.update(chunk);
      }
      assert.equal(await hash.digest(), createHash('sha256').update(input).digest('hex'));
    }
  });

  it('an aborted hash settles the updates still queued, and the next hash is right', async () => {
    for (let i = 0; i < 4; i++) {
      const aborted = createStreamHash('sha256', bytes.length);
      const pending = unevenChunks(bytes).map((chunk) => aborted.update(chunk));
      aborted.abort();
      await Promise.all(pending);
      const next = createStreamHash('sha256', bytes.length);
      for (const chunk of unevenChunks(bytes)) void next.update(chunk);
      assert.equal(await next.digest(), expected);
    }
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
