import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContentWriteHop } from '../../src/nodes/content-write-hop.ts';

describe("content write hop (ctr's writes to the daemon's content service, over a socket)", () => {
  let hop: ContentWriteHop;
  before(async () => {
    hop = await ContentWriteHop.start();
  });
  after(() => hop.close());

  it('delivers each message whole and in order, each answered before the writer goes on, on streams side by side', async () => {
    const send = async (sizes: number[]) => {
      const received: Buffer[] = [];
      const writer = hop.open(async (message) => {
        // The buffer is the daemon side's own: keep a copy, as a write to the ingest file would.
        received.push(Buffer.from(message));
      });
      const sent = sizes.map((n) => randomBytes(n));
      for (const message of sent) {
        await writer.write(message);
        assert.equal(received.length, sent.indexOf(message) + 1, 'answered only once written');
      }
      await writer.end();
      assert.deepEqual(received, sent);
    };
    // Messages of a full 1 MiB buffer, a short last one, odd sizes that split across HTTP/2 frames, an empty one.
    await Promise.all([send([2 ** 20, 2 ** 20, 12_345]), send([7777, 1, 0, 65_536 + 5])]);
  });

  it('keeps the process alive only while a writer is open: a hop never closed does not hang the exit', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'idle-hop-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.deepEqual([code, out.trim()], [0, '1000']);
  });

  it("throws the daemon side's own error (a full disk stays a full disk), and an aborted stream takes no more", async () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    let writes = 0;
    const writer = hop.open(async () => {
      writes++;
      if (writes === 2) throw full;
    });
    await writer.write(Buffer.alloc(100));
    await assert.rejects(writer.write(Buffer.alloc(100)), (e: unknown) => e === full);
    writer.abort();
    await assert.rejects(writer.write(Buffer.alloc(100)));
    assert.equal(writes, 2);
  });
});
