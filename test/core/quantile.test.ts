import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, medianInPlace, quantile } from '../../src/core/quantile.ts';
import { Rng } from '../../src/core/rng.ts';
import { versionSkewOf } from '../../src/metrics/volume-sample.ts';

describe('the one quantile definition (type 7)', () => {
  it('takes the mean of the two middle values for an even count: two repeats of 10 s and 20 s have a median of 15 s', () => {
    assert.equal(median([20, 10]), 15);
    assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
    assert.ok(Number.isNaN(median([])));
  });

  it('gives the same median in place (quickselect) as by sorting, for odd and even counts', () => {
    const rng = Rng.derive(7, 'quantile-test');
    for (let n = 1; n <= 40; n++) {
      const values = Array.from({ length: n }, () => Math.floor(rng.next() * 10));
      assert.equal(medianInPlace(Float64Array.from(values)), median(values), `n=${n}`);
    }
  });

  it('is the one the volume side uses for the per-node mixed window (was the lower middle value)', () => {
    assert.equal(versionSkewOf([1, 2], false, [10, 20])?.perNodeMixedSeconds?.p50, 15);
  });
});
