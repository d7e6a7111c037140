import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcStat, readProcStat } from '../../src/metrics/proc-stat.ts';

const TEXT = [
  'cpu  207951 10 15102 4315733 825 0 794 344 1000 20',
  'cpu0 105435 5 7600 2156312 499 0 385 175 500 10',
  'cpu1 102515 5 7502 2159420 326 0 408 169 500 10',
  'intr 123 4 5',
  'ctxt 456',
].join('\n');

describe('/proc/stat parser', () => {
  it('reads the aggregate cpu line and counts the cpuN lines', () => {
    const t = parseProcStat(TEXT);
    assert.equal(t.cpus, 2);
    assert.equal(t.user, 207951);
    assert.equal(t.iowait, 825);
    assert.equal(t.steal, 344);
    // guest and guest_nice (1000, 20) are already inside user and nice: not counted twice.
    assert.equal(t.total, 207951 + 10 + 15102 + 4315733 + 825 + 0 + 794 + 344);
    assert.equal(t.busy, t.total - 4315733 - 825);
  });

  it('tolerates old kernels with fewer fields and refuses text without a cpu line', () => {
    const t = parseProcStat('cpu 10 0 5 85\ncpu0 10 0 5 85\n');
    assert.equal(t.total, 100);
    assert.equal(t.busy, 15);
    assert.equal(t.iowait, 0);
    assert.throws(() => parseProcStat('intr 1 2\n'), /no readable aggregate/);
  });

  it('reads the real file', () => {
    const t = readProcStat();
    assert.ok(t.cpus >= 1);
    assert.ok(t.total > 0 && t.busy >= 0 && t.busy <= t.total);
  });
});
