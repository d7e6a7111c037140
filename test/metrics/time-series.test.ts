import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downsample, mapValues, ratesFromCounters, sharesFromCounters, timeSeries, timeSeriesSchema } from '../../src/metrics/time-series.ts';

describe('time series', () => {
  it('turns cumulative counters into per-second rates at the end of each interval', () => {
    const rates = ratesFromCounters('w', 'bytes/s', [
      { tSeconds: 0, value: 0 },
      { tSeconds: 0.5, value: 100 },
      { tSeconds: 1.5, value: 100 },
      { tSeconds: 2, value: 400 },
    ], { scale: 512 });
    assert.equal(rates.name, 'w');
    assert.equal(rates.unit, 'bytes/s');
    assert.deepEqual(rates.points, [
      { tSeconds: 0.5, value: 200 * 512 },
      { tSeconds: 1.5, value: 0 },
      { tSeconds: 2, value: 600 * 512 },
    ]);
  });

  it('drops intervals where the counter went back (wrap, reset) or time stood still', () => {
    const rates = ratesFromCounters('r', 'ops/s', [
      { tSeconds: 0, value: 50 },
      { tSeconds: 1, value: 10 },
      { tSeconds: 1, value: 20 },
      { tSeconds: 2, value: 30 },
    ]);
    assert.deepEqual(rates.points, [{ tSeconds: 2, value: 10 }]);
    assert.deepEqual(ratesFromCounters('x', 'u', []).points, []);
    assert.deepEqual(ratesFromCounters('x', 'u', [{ tSeconds: 0, value: 1 }]).points, []);
  });

  it('gives shares of two counters, skipping intervals where the whole did not grow', () => {
    const shares = sharesFromCounters('busy', [
      { tSeconds: 0, part: 0, whole: 0 },
      { tSeconds: 1, part: 25, whole: 100 },
      { tSeconds: 2, part: 25, whole: 100 },
      { tSeconds: 3, part: 125, whole: 200 },
    ]);
    assert.equal(shares.unit, 'share');
    assert.deepEqual(shares.points, [{ tSeconds: 1, value: 0.25 }, { tSeconds: 3, value: 1 }]);
  });

  it('downsamples to at most N points by averaging consecutive buckets', () => {
    const long = timeSeries('s', 'u', Array.from({ length: 10 }, (_, i) => ({ tSeconds: i, value: i * 10 })));
    const five = downsample(long, 5);
    assert.deepEqual(five.points, [
      { tSeconds: 0.5, value: 5 },
      { tSeconds: 2.5, value: 25 },
      { tSeconds: 4.5, value: 45 },
      { tSeconds: 6.5, value: 65 },
      { tSeconds: 8.5, value: 85 },
    ]);
    const three = downsample(long, 3);
    assert.equal(three.points.length, 3);
    // Buckets of 3, 3 and 4 points when N does not divide the length.
    assert.deepEqual(three.points.map((p) => p.value), [10, 40, 75]);
    assert.deepEqual(downsample(long, 1).points, [{ tSeconds: 4.5, value: 45 }]);
    for (let n = 1; n <= 12; n++) assert.ok(downsample(long, n).points.length <= n);
  });

  it('leaves short series as they are (a copy) and refuses a nonsense point budget', () => {
    const short = timeSeries('s', 'u', [{ tSeconds: 1, value: 2 }]);
    const copy = downsample(short, 10);
    assert.deepEqual(copy, short);
    assert.notEqual(copy.points[0], short.points[0]);
    assert.throws(() => downsample(short, 0), RangeError);
    assert.throws(() => downsample(short, 2.5), RangeError);
  });

  it('maps values and round-trips through JSON and its schema', () => {
    const s = mapValues(timeSeries('u', 'share', [{ tSeconds: 0, value: 1.2 }, { tSeconds: 1, value: -0.1 }]), (v) => Math.min(1, Math.max(0, v)));
    assert.deepEqual(s.points.map((p) => p.value), [1, 0]);
    assert.deepEqual(timeSeriesSchema.parse(JSON.parse(JSON.stringify(s))), s);
    assert.equal(timeSeriesSchema.safeParse({ name: 'x', unit: 'u', points: [{ tSeconds: 'a', value: 1 }] }).success, false);
  });
});
