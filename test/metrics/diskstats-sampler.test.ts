import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { blockDeviceFor } from '../../src/metrics/block-device.ts';
import type { DiskstatsEntry } from '../../src/metrics/diskstats.ts';
import { DiskstatsSampler, diskWindowSchema, summariseDiskReadings } from '../../src/metrics/diskstats-sampler.ts';

const MiB = 2 ** 20;

/** The first of tmpdir and the repository that sits on a real block device. */
async function measurableDir(): Promise<{ dir: string; device: string } | { reason: string }> {
  const reasons: string[] = [];
  for (const dir of [os.tmpdir(), process.cwd()]) {
    const found = await blockDeviceFor(dir);
    if (found.device !== undefined) return { dir, device: found.device };
    reasons.push(`${dir}: ${found.reason}`);
  }
  return { reason: reasons.join('; ') };
}

function entry(sectorsRead: number, sectorsWritten: number, reads: number, writes: number, ioTicksMs: number): DiskstatsEntry {
  return {
    major: 8, minor: 0, device: 'sda',
    readsCompleted: reads, readsMerged: 0, sectorsRead, readMs: 0,
    writesCompleted: writes, writesMerged: 0, sectorsWritten, writeMs: 0,
    iosInProgress: 0, ioTicksMs, weightedIoMs: 0,
  };
}

describe('DiskstatsSampler', () => {
  it('sees a 64 MiB write and fsync on the real device in its totals and series', async (t) => {
    const where = await measurableDir();
    if ('reason' in where) {
      t.skip(`no block device to measure: ${where.reason}`);
      return;
    }
    const workDir = mkdtempSync(path.join(where.dir, 'shipbench-disk-'));
    const sampler = new DiskstatsSampler(where.device, 50);
    try {
      const chunk = randomBytes(MiB);
      sampler.start();
      const fd = openSync(path.join(workDir, 'payload'), 'w');
      try {
        for (let i = 0; i < 64; i++) writeSync(fd, chunk);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const window = sampler.stop();
      // Journals and other processes only add; write-back must not lose any of ours. 5% margin for rounding.
      assert.ok(window.totals.writeBytes >= 64 * MiB * 0.95, `write bytes ${window.totals.writeBytes} >= ~64 MiB`);
      assert.ok(window.totals.writeOps > 0);
      assert.ok(window.samples >= 2);
      assert.equal(window.device, where.device);
      assert.ok(window.series.writeIops.points.some((p) => p.value > 0), 'some interval saw write IOPS');
      assert.ok(window.series.writeBytesPerSecond.points.some((p) => p.value > 0));
      assert.ok(window.series.utilisation.points.every((p) => p.value >= 0 && p.value <= 1));
      assert.ok(window.totals.utilisation >= 0 && window.totals.utilisation <= 1);
      assert.ok(window.endSeconds >= window.startSeconds);
      assert.deepEqual(diskWindowSchema.parse(JSON.parse(JSON.stringify(window))), window);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a device that does not exist, and to stop before starting', () => {
    assert.throws(() => new DiskstatsSampler('no-such-disk0').start(), ShipbenchError);
    assert.throws(() => new DiskstatsSampler('no-such-disk0').stop(), /running sampler/);
    assert.throws(() => new DiskstatsSampler('sda', 0), RangeError);
  });

  it('summarises hand-made readings: bytes from 512-byte sectors, busy time, a wrapped counter costs one interval', () => {
    const window = summariseDiskReadings('sda', 250, [
      { tSeconds: 1, value: entry(0, 0, 0, 0, 0) },
      { tSeconds: 2, value: entry(100, 2048, 10, 20, 500) },
      { tSeconds: 3, value: entry(100, 4096, 10, 40, 1500) },
      { tSeconds: 4, value: entry(100, 10, 10, 1, 1600) },
      { tSeconds: 5, value: entry(100, 20, 10, 2, 1600) },
    ]);
    assert.deepEqual(window.totals, {
      readOps: 10,
      writeOps: 41,
      readBytes: 100 * 512,
      writeBytes: (4096 + 10) * 512,
      busySeconds: 1.6,
      utilisation: 0.4,
    });
    assert.equal(window.startSeconds, 1);
    assert.equal(window.endSeconds, 5);
    assert.deepEqual(window.series.writeBytesPerSecond.points.map((p) => p.tSeconds), [2, 3, 5]);
    // io_ticks ms over wall seconds: 500 ms of 1 s is half busy.
    assert.deepEqual(window.series.utilisation.points.map((p) => p.value), [0.5, 1, 0.1, 0]);
    assert.equal(window.series.readIops.unit, 'ops/s');
  });
});
