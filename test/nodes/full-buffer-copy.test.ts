import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FullBufferCopy } from '../../src/nodes/full-buffer-copy.ts';

test("hands bytes on in full buffers, the last one short, each write awaited before more is taken in (containerd's copyWithBuffer: ReadAtLeast, then Write)", async () => {
  const sizes: number[] = [];
  const out: Buffer[] = [];
  let writing = false;
  const copy = new FullBufferCopy(10, async (full) => {
    assert.equal(writing, false, 'a write began while the previous one was in flight');
    writing = true;
    // Copied before the await: the buffer is the copy's own and is reused once this resolves.
    out.push(Buffer.from(full));
    sizes.push(full.length);
    await new Promise((resolve) => setTimeout(resolve, 1));
    writing = false;
  });
  const input = Buffer.from(Array.from({ length: 37 }, (_, i) => i));
  // Chunks that straddle buffer edges and one that spans two whole buffers.
  for (const [from, to] of [[0, 3], [3, 12], [12, 35], [35, 37]] as const) await copy.push(input.subarray(from, to));
  await copy.end();
  assert.deepEqual(sizes, [10, 10, 10, 7]);
  assert.deepEqual(Buffer.concat(out), input);
});

test('an empty stream writes nothing; a stream of exact buffers has no short one; a buffer of no size is refused', async () => {
  const sizes: number[] = [];
  const record = async (full: Buffer) => void sizes.push(full.length);
  await new FullBufferCopy(4, record).end();
  assert.deepEqual(sizes, []);
  const exact = new FullBufferCopy(4, record);
  await exact.push(Buffer.alloc(8));
  await exact.end();
  assert.deepEqual(sizes, [4, 4]);
  assert.throws(() => new FullBufferCopy(0, record), /above zero/);
});
