import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { blockDeviceFor } from '../../src/metrics/block-device.ts';
import { readDiskstats } from '../../src/metrics/diskstats.ts';

describe('blockDeviceFor', () => {
  it('finds the device under the repository, one /proc/diskstats knows by name and number', async (t) => {
    const found = await blockDeviceFor(process.cwd());
    if (found.device === undefined) {
      t.skip(`the repository is on no block device: ${found.reason}`);
      return;
    }
    const entry = readDiskstats().find((e) => e.device === found.device);
    assert.ok(entry, `${found.device} is in /proc/diskstats`);
    assert.equal(entry.major, found.major);
    assert.equal(entry.minor, found.minor);
    assert.ok(found.wholeDisk.length > 0);
    if (!found.partition) assert.equal(found.wholeDisk, found.device);
  });

  it('says why a virtual file system has no block device instead of throwing', async () => {
    const proc = await blockDeviceFor('/proc/self');
    assert.equal(proc.device, undefined);
    assert.equal(proc.major, 0);
    if (proc.device === undefined) assert.match(proc.reason, /has no block device/);
  });

  it('gives undefined and a reason for a tmpfs mounted for the test', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipbench-tmpfs-'));
    try {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
      } catch (error) {
        t.skip(`cannot mount a tmpfs here (needs root): ${(error as Error).message.split('\n')[0]}`);
        return;
      }
      try {
        mkdirSync(path.join(dir, 'inner'));
        for (const where of [dir, path.join(dir, 'inner')]) {
          const found = await blockDeviceFor(where);
          assert.equal(found.device, undefined, where);
          assert.equal(found.major, 0);
          assert.equal(found.fsType, 'tmpfs');
          assert.equal(found.mountPoint, dir);
          if (found.device === undefined) assert.match(found.reason, /^tmpfs at .* has no block device \(it lives in memory\)$/);
        }
      } finally {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
