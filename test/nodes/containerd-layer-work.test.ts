import assert from 'node:assert/strict';
import { link, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { unpackLayer } from '../../src/nodes/rootfs-unpacker.ts';
import { commitSnapshotTransactions, createBoltFile } from '../../src/nodes/snapshot-bolt-commits.ts';
import { RUNTIME_EMULATIONS } from '../../src/nodes/runtime-emulation.ts';
import { walkSnapshotUsage } from '../../src/nodes/snapshot-usage-walk.ts';
import { tarOf } from '../support/tar-entries.ts';
import { inTempDir } from '../support/temp-dir.ts';

test('a committed layer is walked as containerd and dockerd do it: every inode counted once, blocks summed, symlinks not followed', () =>
  inTempDir('shipbench-usage-walk-', async (root) => {
    await mkdir(join(root, 'srv/app'), { recursive: true });
    await writeFile(join(root, 'srv/app/a.php'), 'x'.repeat(10_000));
    await writeFile(join(root, 'srv/app/empty'), '');
    // A hard link is the same inode (fs.DiskUsage dedupes by dev+ino); a symlink to a big file is the link itself.
    await link(join(root, 'srv/app/a.php'), join(root, 'srv/b.php'));
    await symlink('/etc/passwd', join(root, 'srv/link'));
    const usage = walkSnapshotUsage(root);
    // root, srv, srv/app, a.php (= b.php), empty, link
    assert.equal(usage.inodes, 6);
    // 10,000 bytes take at least 3 blocks of 4 KiB; the directories at least one each.
    assert.ok(usage.bytes >= 3 * 4096 + 3 * 4096, `usage ${usage.bytes} bytes`);
  }));

test('setting the mode twice (containerd openFile chmod, then lchmod after lchown) gives the header modes, set-id bits included', () =>
  inTempDir('shipbench-mode-twice-', async (root) => {
    const tar = await tarOf([
      { name: 'bin/', type: 'directory', mode: 0o755 },
      { name: 'bin/su', mode: 0o4755, content: '#!/bin/sh\n' },
      { name: 'secret', mode: 0o600, content: 'x' },
      { name: 'ro', mode: 0o444, content: 'y' },
    ]);
    const stats = await unpackLayer(Readable.from([tar]), root, { modeTwice: true, statEachEntry: true, ownerAndModeAlways: true });
    assert.equal(stats.files, 3);
    // lchown clears set-id bits: the second chmod, after it, puts them back as in containerd.
    assert.equal((await lstat(join(root, 'bin/su'))).mode & 0o7777, 0o4755);
    assert.equal((await lstat(join(root, 'secret'))).mode & 0o7777, 0o600);
    assert.equal((await lstat(join(root, 'ro'))).mode & 0o7777, 0o444);
    assert.equal(await readFile(join(root, 'ro'), 'utf8'), 'y');
  }));

for (const [kind, calls] of [
  ['containerd', { modeTwice: true, statEachEntry: true }],
  ['moby', { statParentAndTarget: true }],
] as const) {
  test(`directories get the header owner, mode and mtime, the mtime set after their children are written (${kind === 'containerd' ? 'containerd applyNaive' : 'moby UnpackLayer'})`, () =>
    inTempDir('shipbench-dir-attributes-', async (root) => {
      const mtime = new Date('2001-02-03T04:05:06Z');
      const tar = await tarOf([
        { name: 'srv/', type: 'directory', mode: 0o755, mtime },
        { name: 'srv/locked/', type: 'directory', mode: 0o500, mtime },
        { name: 'srv/locked/file', mode: 0o644, content: 'z', mtime },
      ]);
      await unpackLayer(Readable.from([tar]), root, { dirAttributes: kind, ownerAndModeAlways: true, ...calls });
      for (const dir of ['srv', 'srv/locked']) assert.equal((await lstat(join(root, dir))).mtime.getTime(), mtime.getTime(), `${kind}: ${dir}`);
      assert.equal((await lstat(join(root, 'srv/locked'))).mode & 0o7777, 0o500);
      assert.equal(await readFile(join(root, 'srv/locked/file'), 'utf8'), 'z');
    }));
}

test("moby's lookups (parent and path lstat per entry) leave the same tree, a file replacing a lower one included", () =>
  inTempDir('shipbench-moby-lookups-', async (root) => {
    const lower = await tarOf([{ name: 'etc/', type: 'directory', mode: 0o755 }, { name: 'etc/motd', mode: 0o644, content: 'old' }]);
    const upper = await tarOf([{ name: 'etc/motd', mode: 0o600, content: 'new' }, { name: 'top', mode: 0o644, content: 't' }]);
    await unpackLayer(Readable.from([lower]), root, { statParentAndTarget: true, ownerAndModeAlways: true });
    const stats = await unpackLayer(Readable.from([upper]), root, { statParentAndTarget: true, ownerAndModeAlways: true });
    assert.equal(stats.files, 2);
    assert.equal(await readFile(join(root, 'etc/motd'), 'utf8'), 'new');
    assert.equal((await lstat(join(root, 'etc/motd'))).mode & 0o777, 0o600);
  }));

test('bolt commits of a layer: two page writes per transaction into one small file that reuses its pages', () =>
  inTempDir('shipbench-bolt-', async (root) => {
    const db = join(root, 'metadata.db');
    assert.equal(await commitSnapshotTransactions(db, 6), 6 * 2 * 4096);
    assert.equal(await commitSnapshotTransactions(db, 6), 6 * 2 * 4096);
    // Meta page plus six data pages, rewritten in place by the second layer (no O_APPEND growth).
    assert.equal((await lstat(db)).size, 7 * 4096);
  }));

test('a started daemon\'s bolt file has its pages in place: transactions rewrite them and the file never grows', () =>
  inTempDir('shipbench-bolt-file-', async (root) => {
    const db = join(root, 'metadata.db');
    await createBoltFile(db);
    const size = (await lstat(db)).size;
    // A meta page and the pages the transactions cycle over, all there before the first one.
    assert.equal(size, 17 * 4096);
    assert.equal(await commitSnapshotTransactions(db, 40), 40 * 2 * 4096);
    assert.equal((await lstat(db)).size, size);
  }));

test("both runtimes walk each applied layer and give directories their attributes, each its own way; the second chmod and bolt commits are containerd-only, moby's parent-and-path lookups docker-only", () => {
  const rules = (r: typeof RUNTIME_EMULATIONS.docker) => [r.commitWalk, r.modeTwice, r.dirAttributes, r.boltTransactionsPerLayer, r.statParentAndTarget];
  // containerd: 12 fdatasync per applied layer in strace = six bolt transactions; moby: parent and path lstat per entry.
  assert.deepEqual({ containerd: rules(RUNTIME_EMULATIONS.containerd), docker: rules(RUNTIME_EMULATIONS.docker) }, { containerd: [true, true, 'containerd', 6, false], docker: [true, false, 'moby', 0, true] });
});
