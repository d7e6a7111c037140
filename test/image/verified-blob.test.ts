import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { readRegularFile, readVerifiedBlob, VerifiedBlob } from '../../src/image/verified-blob.ts';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const code = (expected: string, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ShipbenchError, String(err));
  assert.equal(err.code, expected, err.message);
  assert.equal(err.exitCode, 2);
  if (message !== undefined) assert.match(err.message, message);
  return true;
};

describe('verified blobs', () => {
  let dir: string;
  // Large enough to be hashed off the main thread (above 4 MiB), as big layers are.
  const bytes = Buffer.alloc(5 * 2 ** 20 + 3, 0x61);
  const expected = { digest: sha256(bytes), size: bytes.length };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipbench-verified-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('streams a blob that matches its digest', async () => {
    const path = join(dir, 'good');
    await writeFile(path, bytes);
    const parts: Buffer[] = [];
    for await (const chunk of new VerifiedBlob(path, expected, 'layer x')) parts.push(chunk);
    assert.ok(Buffer.concat(parts).equals(bytes));
    assert.ok((await readVerifiedBlob(path, expected, 'layer x', 2 ** 30)).equals(bytes));
  });

  it('fails a blob of the right size whose bytes changed, naming it and both digests', async () => {
    const path = join(dir, 'flipped');
    const changed = Buffer.from(bytes);
    changed[12345] = 0x62;
    await writeFile(path, changed);
    const blob = new VerifiedBlob(path, expected, 'layer sha256:abc of app:v2');
    await assert.rejects(blob.verify(), code('blob-digest-mismatch', new RegExp(`layer sha256:abc of app:v2 does not match its digest: expected ${expected.digest} .* hashes to ${sha256(changed)}`)));
  });

  it('stops reading a blob longer than its descriptor, and fails a shorter one', async () => {
    const path = join(dir, 'long');
    await writeFile(path, Buffer.concat([bytes, Buffer.from('x')]));
    await assert.rejects(new VerifiedBlob(path, expected, 'b').verify(), code('blob-digest-mismatch', /holds more than the \d+ bytes/));
    await writeFile(path, bytes.subarray(1));
    await assert.rejects(new VerifiedBlob(path, expected, 'b').verify(), code('blob-digest-mismatch', /holds \d+ bytes, its descriptor says/));
  });

  it('refuses a FIFO, a directory and a device before reading (a FIFO would block forever)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(new VerifiedBlob(fifo, expected, 'layer f').verify(), code('blob-not-regular', /layer f \(.*fifo\) is a FIFO, not a regular file/));
    await assert.rejects(readRegularFile(fifo, 'index.json', 1024), code('blob-not-regular', /is a FIFO/));
    const sub = join(dir, 'sub');
    await mkdir(sub);
    await assert.rejects(new VerifiedBlob(sub, expected, 'layer d').verify(), code('blob-not-regular', /is a directory/));
    await assert.rejects(new VerifiedBlob('/dev/zero', expected, 'layer z').verify(), code('blob-not-regular', /is a device/));
    await assert.rejects(new VerifiedBlob(join(dir, 'absent'), expected, 'layer a').verify(), code('blob-missing', /layer a \(.*absent\) is missing/));
  });
});
