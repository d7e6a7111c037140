import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { medianAbsoluteDeviation } from 'simple-statistics';
import {
  compareSamples,
  mannWhitneyU,
  medianConfidenceInterval,
  modifiedZScores,
  outlierIndices,
  quantile,
  smallestMannWhitneyP,
  summarize,
  welchTTest,
} from '../../src/stats/index.ts';
import { studentTCdf } from '../../src/stats/student-t-distribution.ts';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

// R's example data sets: ?wilcox.test (Hollander & Wolfe, permeability) and `sleep` (Student, 1908).
const permeabilityX = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const permeabilityY = [1.15, 0.88, 0.9, 0.74, 1.21];
const sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('quantiles', () => {
  it('match R quantile type 7 (and numpy default)', () => {
    const oneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    close(quantile(oneToTen, 0.25), 3.25, 1e-12, 'q25 of 1..10');
    close(quantile(oneToTen, 0.5), 5.5, 1e-12, 'median of 1..10');
    close(quantile(oneToTen, 0.9), 9.1, 1e-12, 'q90 of 1..10');
    close(quantile(oneToTen, 0.99), 9.91, 1e-12, 'q99 of 1..10');
    close(quantile([3, 1, 4, 1, 5, 9, 2, 6], 0.9), 6.9, 1e-12, 'q90 of pi digits');
    close(quantile([3, 1, 4, 1, 5, 9, 2, 6], 0.99), 8.79, 1e-12, 'q99 of pi digits');
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

describe('summarize', () => {
  it('reports centre, spread, percentiles and outliers of one sample set', () => {
    const s = summarize([1, 1, 2, 2, 4, 6, 9]);
    assert.equal(s.count, 7);
    close(s.mean, 25 / 7, 1e-12, 'mean');
    assert.equal(s.median, 2);
    assert.equal(s.mad, 1, 'the MAD of Wikipedia example 1,1,2,2,4,6,9 is 1');
    assert.equal(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9]), 1);
    close(s.stddev, 2.9920529661723827, 1e-9, 'sample standard deviation');
    assert.equal(s.min, 1);
    assert.equal(s.max, 9);
    close(s.p90, 7.2, 1e-12, 'p90');
    assert.equal(s.outliers, 1, '9 is 0.6745 * 7 = 4.7 MADs out');
  });

  it('is NaN with a zero count for no samples, and has no interval for one sample', () => {
    const empty = summarize([]);
    assert.equal(empty.count, 0);
    assert.ok(Number.isNaN(empty.median));
    assert.equal(empty.medianCi, null);
    const one = summarize([4]);
    assert.equal(one.stddev, 0);
    assert.equal(one.medianCi, null);
  });
});

describe('median confidence interval (order statistics)', () => {
  it('takes the textbook ranks: 2nd and 9th of 10, 6th and 15th of 20', () => {
    const ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const ci10 = medianConfidenceInterval(ten);
    assert.deepEqual([ci10?.low, ci10?.high], [20, 90]);
    close(ci10?.coverage ?? 0, 1 - 22 / 1024, 1e-12, 'coverage for n=10');
    const twenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    const ci20 = medianConfidenceInterval(twenty);
    assert.deepEqual([ci20?.low, ci20?.high], [6, 15]);
  });

  it('has no 95% interval below six samples (the extremes cover only 93.75% of five)', () => {
    assert.equal(medianConfidenceInterval([1, 2, 3, 4, 5]), null);
    assert.notEqual(medianConfidenceInterval([1, 2, 3, 4, 5, 6]), null);
    assert.notEqual(medianConfidenceInterval([1, 2, 3, 4, 5], 0.9), null);
  });
});

describe('outliers by modified Z-score', () => {
  it('flags the far value and nothing else', () => {
    const values = [1, 2, 3, 4, 5, 100];
    const z = modifiedZScores(values);
    close(z[5] as number, (0.6745 * 96.5) / 1.5, 1e-9, 'z of 100');
    assert.deepEqual(outlierIndices(values), [5]);
    assert.deepEqual(outlierIndices([5, 5, 5, 5]), []);
  });

  it('still finds an outlier when most values are equal (MAD 0)', () => {
    assert.deepEqual(outlierIndices([2, 2, 2, 2, 2, 2, 2, 50]), [7]);
  });
});

describe('Mann-Whitney U', () => {
  it('is exact without ties: R wilcox.test permeability example, W = 35, two-sided p = 0.2544', () => {
    const r = mannWhitneyU(permeabilityX, permeabilityY);
    assert.equal(r.method, 'exact');
    assert.equal(r.u, 35);
    close(r.p, 0.2544122544122544, 1e-12, 'exact p');
    // Symmetric: swapping the samples gives U' = n1*n2 - U and the same p.
    const swapped = mannWhitneyU(permeabilityY, permeabilityX);
    assert.equal(swapped.u, 15);
    close(swapped.p, r.p, 1e-12, 'swapped p');
  });

  it('uses the normal approximation with tie correction on tied data: sleep, W = 25.5, p = 0.06933', () => {
    const r = mannWhitneyU(sleep1, sleep2);
    assert.equal(r.method, 'normal');
    assert.equal(r.u, 25.5);
    close(r.p, 0.06932757543362658, 1e-6, 'normal p');
  });

  it('uses the normal approximation for large samples (checked against scipy)', () => {
    const a = Array.from({ length: 60 }, (_, i) => i + (i % 7) * 0.37);
    const b = Array.from({ length: 55 }, (_, i) => i + 9.1 + (i % 5) * 0.41);
    const r = mannWhitneyU(a, b);
    assert.equal(r.method, 'normal');
    close(r.p, 0.05769089776369105, 1e-6, 'large-sample p');
  });

  it('knows when no data could be significant', () => {
    close(smallestMannWhitneyP(3, 3), 0.1, 1e-12, '3 vs 3');
    close(smallestMannWhitneyP(4, 4), 2 / 70, 1e-12, '4 vs 4');
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    close(r.p, 0.1, 1e-12, 'fully separated 3 vs 3');
  });
});

describe('Welch t test', () => {
  it('matches R t.test(extra ~ group, sleep): t = -1.8608, df = 17.776, p = 0.07939', () => {
    const r = welchTTest(sleep1, sleep2);
    close(r.t, -1.8608134674868526, 1e-9, 't');
    close(r.df, 17.776473516178488, 1e-9, 'df');
    close(r.p, 0.0793941401873583, 1e-7, 'p');
  });

  it('handles unequal sizes and variances (checked against scipy) and degenerate inputs', () => {
    const r = welchTTest([1, 2, 3], [10, 20, 30, 40]);
    close(r.p, 0.03716250466552815, 1e-7, 'p');
    close(r.df, 3.0478994016574417, 1e-9, 'df');
    assert.ok(Number.isNaN(welchTTest([1], [2, 3]).p));
    assert.equal(welchTTest([2, 2], [2, 2]).p, 1);
    assert.equal(welchTTest([2, 2], [3, 3]).p, 0);
  });

  it('has a t CDF that agrees with tables (t = 2.228, 10 df is the 97.5th percentile)', () => {
    close(studentTCdf(2.228138851986274, 10), 0.975, 1e-9, 't table');
    close(studentTCdf(0, 3.5), 0.5, 1e-12, 'symmetry');
    close(studentTCdf(-1, 1), 0.25, 1e-12, 'Cauchy');
  });
});

describe('compareSamples', () => {
  const before = [10.1, 10.3, 9.9, 10.0, 10.2, 10.4, 9.8, 10.1, 10.0, 10.2];
  const after = [8.1, 8.3, 7.9, 8.0, 8.2, 8.4, 7.8, 8.1, 8.0, 8.2];

  it('reports a significant drop with deltas on medians and an interval that contains them', () => {
    const c = compareSamples(before, after);
    assert.equal(c.test, 'mann-whitney');
    assert.equal(c.significant, true);
    assert.equal(c.tooFewSamples, false);
    assert.ok(c.p < 0.001);
    close(c.deltaAbsolute, 8.1 - 10.1, 1e-12, 'absolute delta');
    close(c.deltaRelative ?? 0, -2 / 10.1, 1e-12, 'relative delta');
    const ci = c.deltaAbsoluteCi;
    assert.ok(ci !== null && ci.low <= c.deltaAbsolute && c.deltaAbsolute <= ci.high, `interval ${JSON.stringify(ci)}`);
    assert.ok(ci.high < 0, 'the whole interval is below zero');
    const rci = c.deltaRelativeCi;
    assert.ok(rci !== null && rci.low <= (c.deltaRelative ?? 0) && (c.deltaRelative ?? 0) <= rci.high);
  });

  it('says ~ (not significant) for samples from the same spread, with either test', () => {
    const shuffled = [10.0, 10.2, 10.1, 9.9, 10.4, 10.1, 9.8, 10.3, 10.2, 10.0].map((v) => v + 0.01);
    for (const test of ['mann-whitney', 'welch'] as const) {
      const c = compareSamples(before, shuffled, { test });
      assert.equal(c.significant, false, test);
      assert.ok(c.p > 0.05, `${test} p=${c.p}`);
    }
  });

  it('flags too few samples rather than claiming a difference', () => {
    const c = compareSamples([1, 2, 3], [7, 8, 9]);
    assert.equal(c.tooFewSamples, true);
    assert.equal(c.significant, false);
    const welch = compareSamples([1], [7, 8, 9], { test: 'welch' });
    assert.equal(welch.tooFewSamples, true);
  });

  it('gives the same interval for the same samples and seed, and a null relative delta from a zero baseline', () => {
    assert.deepEqual(compareSamples(before, after, { seed: 3 }).deltaAbsoluteCi, compareSamples(before, after, { seed: 3 }).deltaAbsoluteCi);
    const zero = compareSamples([0, 0, 0, 0, 0], [1, 1, 1, 1, 1]);
    assert.equal(zero.deltaRelative, null);
  });
});
