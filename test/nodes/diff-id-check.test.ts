import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ShipbenchError } from '../../src/core/errors.ts';
import { unpackLayer } from '../../src/nodes/rootfs-unpacker.ts';
import { tarOf } from '../support/tar-entries.ts';

/** A small real tar: a directory, a file in it, a file at the top. */
const smallTar = () =>
  tarOf([
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/motd', mode: 0o644, content: 'hello\n' },
    { name: 'top', mode: 0o600, content: 'x' },
  ]);

describe('diff_id check and containerd-like lookups (both runtimes verify every unpacked layer)', () => {
  let dir: string;
  let tar: Buffer;
  let diffId: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipbench-diffid-'));
    tar = await smallTar();
    diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a gzip layer whose tar hashes to its diff_id unpacks, with containerd-like lookups giving the same tree', async () => {
    const rootfs = join(dir, 'ok');
    const stats = await unpackLayer(Readable.from([gzipSync(tar)]), rootfs, { diffId, statEachEntry: true, ownerAndModeAlways: true });
    assert.equal(stats.files, 2);
    assert.equal(await readFile(join(rootfs, 'etc/motd'), 'utf8'), 'hello\n');
    assert.equal((await lstat(join(rootfs, 'top'))).mode & 0o777, 0o600);
  });

  it('a layer that does not hash to its diff_id is refused, naming both digests', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(unpackLayer(Readable.from([tar]), join(dir, 'bad'), { diffId: wrong, layer: 'sha256:abc' }), (e: unknown) => {
      assert.ok(e instanceof ShipbenchError && e.code === 'invalid-layer', String(e));
      assert.match(e.message, new RegExp(`layer sha256:abc unpacks to ${diffId}, not its diff_id ${wrong}`));
      return true;
    });
  });
});
