import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RUNTIME_EMULATIONS } from '../../src/nodes/runtime-emulation.ts';
import { walkSnapshotUsage } from '../../src/nodes/snapshot-usage-walk.ts';

test('containerd commits a snapshot after walking its upper dir: every inode counted once, blocks summed, symlinks not followed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'shipbench-usage-walk-'));
  try {
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
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the walk is containerd-only until it is checked against dockerd', () => {
  assert.deepEqual({ containerd: RUNTIME_EMULATIONS.containerd.commitWalk, docker: RUNTIME_EMULATIONS.docker.commitWalk }, { containerd: true, docker: false });
});
