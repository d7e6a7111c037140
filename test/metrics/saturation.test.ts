import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CpuWindow } from '../../src/metrics/cpu-sampler.ts';
import type { DiskWindow } from '../../src/metrics/diskstats-sampler.ts';
import { harnessWarnings } from '../../src/metrics/harness-warnings.ts';
import { runWarningSchema } from '../../src/metrics/samples.ts';
import { saturation } from '../../src/metrics/saturation.ts';
import { timeSeries, type TimeSeries } from '../../src/metrics/time-series.ts';

const evenly = (values: number[]): TimeSeries =>
  timeSeries('u', 'share', values.map((value, i) => ({ tSeconds: (i + 1) * 0.25, value })));

describe('saturation', () => {
  it('is saturated when utilisation stays at or above the threshold for at least minShare of the window', () => {
    const s = saturation(evenly([0.95, 0.9, 0.99, 0.2]));
    assert.equal(s.saturated, true);
    assert.equal(s.share, 0.75);
    assert.equal(s.peak, 0.99);
    assert.equal(s.windowSeconds, 1);
    assert.equal(saturation(evenly([0.95, 0.2, 0.3, 0.2])).saturated, false);
    assert.equal(saturation(evenly([0.95, 0.2])).saturated, true, 'exactly minShare counts');
    assert.equal(saturation(evenly([0.7, 0.8]), 0.6, 1).saturated, true);
  });

  it('weighs points by their interval, so one long starved interval counts for its length', () => {
    const series = timeSeries('u', 'share', [
      { tSeconds: 0.25, value: 0.1 },
      { tSeconds: 0.5, value: 0.1 },
      { tSeconds: 0.75, value: 0.1 },
      { tSeconds: 2.75, value: 1 },
    ]);
    const s = saturation(series);
    assert.equal(s.saturated, true);
    assert.equal(s.share, 2 / 2.75);
  });

  it('is not saturated on an empty series', () => {
    const s = saturation(timeSeries('u', 'share'));
    assert.equal(s.saturated, false);
    assert.equal(s.share, 0);
  });
});

describe('harnessWarnings', () => {
  const cpu = (values: number[]) => ({ series: { utilisation: evenly(values) } }) as unknown as CpuWindow;
  const disk = (values: number[]) => ({ device: 'vda', series: { utilisation: evenly(values) } }) as unknown as DiskWindow;

  it('warns that the harness CPU or disk was the bottleneck, with a fix, valid against the schema', () => {
    const warnings = harnessWarnings({ cpu: cpu([1, 1, 0.95, 0.1]), disk: disk([1, 0.99, 0.97, 1]) });
    assert.deepEqual(warnings.map((w) => w.kind), ['harness-cpu-saturated', 'harness-disk-saturated']);
    for (const w of warnings) {
      assert.deepEqual(runWarningSchema.parse(w), w);
      assert.ok(w.fix.length > 0);
    }
    assert.match(warnings[0]!.message, /the harness CPU was the bottleneck/);
    assert.match(warnings[1]!.message, /vda/);
  });

  it('stays quiet for a machine with headroom or without windows, and applies the disk threshold near 1', () => {
    assert.deepEqual(harnessWarnings({ cpu: cpu([0.5, 0.6]), disk: disk([0.9, 0.93]) }), []);
    assert.deepEqual(harnessWarnings({}), []);
    assert.equal(harnessWarnings({ disk: disk([0.9, 0.93]) }, { diskThreshold: 0.9 }).length, 1);
  });
});
