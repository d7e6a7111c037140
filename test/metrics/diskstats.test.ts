import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { diskstatsFor, parseDiskstats, readDiskstats } from '../../src/metrics/diskstats.ts';

// Literal lines in the kernel's layouts: 14 fields (2.6.25 to 4.17), 18 (4.18+, discards), 20 (5.5+, flushes).
const FOURTEEN = [
  '   8       0 sda 139243 18567 8843290 92180 60751 81432 3720616 310672 0 112224 402852',
  '   8       1 sda1 138913 18567 8832738 92032 60614 81432 3720616 310580 0 112080 402612',
].join('\n');
const EIGHTEEN = ' 259       0 nvme0n1 512 7 41234 88 1024 33 65536 120 2 640 208 12 0 2048 3';
const TWENTY = [
  ' 254       0 vda 115625 26851 3907058 9715 26221 130537 10520488 29013 0 12376 42571 35521 339 4541000 3712 3432 130',
  ' 253       0 dm-0 10 0 80 1 20 0 160 4 0 6 5 0 0 0 0 7 2',
].join('\n');

describe('/proc/diskstats parser', () => {
  it('reads the 14-field layout, without discard or flush fields', () => {
    const [disk, part] = parseDiskstats(FOURTEEN);
    assert.deepEqual(disk, {
      major: 8, minor: 0, device: 'sda',
      readsCompleted: 139243, readsMerged: 18567, sectorsRead: 8843290, readMs: 92180,
      writesCompleted: 60751, writesMerged: 81432, sectorsWritten: 3720616, writeMs: 310672,
      iosInProgress: 0, ioTicksMs: 112224, weightedIoMs: 402852,
    });
    assert.equal(part?.device, 'sda1');
    assert.equal(part?.minor, 1);
    assert.equal(part?.discards, undefined);
  });

  it('reads the 18-field layout with discards only', () => {
    const [e] = parseDiskstats(EIGHTEEN);
    assert.equal(e?.device, 'nvme0n1');
    assert.equal(e?.ioTicksMs, 640);
    assert.deepEqual(e?.discards, { completed: 12, merged: 0, sectors: 2048, ms: 3 });
    assert.equal(e?.flushes, undefined);
  });

  it('reads the 20-field layout by position, base fields unchanged', () => {
    const entries = parseDiskstats(TWENTY);
    assert.equal(entries.length, 2);
    const vda = entries[0]!;
    assert.equal(vda.device, 'vda');
    assert.equal(vda.major, 254);
    assert.equal(vda.sectorsWritten, 10520488);
    assert.equal(vda.writesCompleted, 26221);
    assert.equal(vda.ioTicksMs, 12376);
    assert.equal(vda.weightedIoMs, 42571);
    assert.deepEqual(vda.discards, { completed: 35521, merged: 339, sectors: 4541000, ms: 3712 });
    assert.deepEqual(vda.flushes, { completed: 3432, ms: 130 });
    assert.equal(entries[1]!.device, 'dm-0');
  });

  it('skips blank, short and garbled lines instead of failing the whole file', () => {
    const text = ['', '   8  1 sda1 100 200 300 400', 'x y z 1 2 3 4 5 6 7 8 9 10 11', FOURTEEN.split('\n')[0]!, '  '].join('\n');
    assert.deepEqual(parseDiskstats(text).map((e) => e.device), ['sda']);
  });

  it('reads the real file, and names the devices there are when asked for a missing one', () => {
    const entries = readDiskstats();
    assert.ok(entries.length > 0, 'this machine has at least one block device');
    const first = entries[0]!;
    assert.equal(diskstatsFor(first.device).device, first.device);
    assert.throws(
      () => diskstatsFor('no-such-disk0'),
      (e: unknown) => e instanceof ShipbenchError && e.code === 'metrics.device-not-found' && (e.hint ?? '').length > 0,
    );
  });
});
