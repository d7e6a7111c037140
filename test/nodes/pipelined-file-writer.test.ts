import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PipelinedFileWriter } from '../../src/nodes/pipelined-file-writer.ts';

describe('pipelined file writer', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipbench-writer-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every chunk in order, and asks the caller to wait only past its bound', async () => {
    const path = join(dir, 'blob');
    const handle = await open(path, 'w');
    const writer = new PipelinedFileWriter(handle, 256 * 1024);
    const chunks = Array.from({ length: 2000 }, (_, i) => randomBytes([1, 4096, 65_536, 0, 777][i % 5] as number));
    let waits = 0;
    for (const chunk of chunks) {
      const room = writer.write(chunk);
      if (room !== undefined) {
        waits++;
        await room;
      }
    }
    await writer.flush();
    await handle.close();
    const expected = Buffer.concat(chunks);
    assert.ok(waits > 0, 'more than the bound was written, so the writer must have asked to wait');
    assert.equal(writer.bytesWritten, expected.length);
    assert.ok((await readFile(path)).equals(expected));
  });

  it('reports a failed write to the next write or flush', async () => {
    const handle = await open(join(dir, 'closed'), 'w');
    const writer = new PipelinedFileWriter(handle);
    await handle.close();
    void writer.write(Buffer.from('lost'));
    await assert.rejects(writer.flush(), /closed|EBADF/);
    assert.throws(() => writer.write(Buffer.from('more')), /closed|EBADF/);
  });
});
