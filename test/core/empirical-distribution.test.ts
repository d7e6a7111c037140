import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { empiricalDraws, empiricalMean, empiricalVariation } from '../../src/core/empirical-distribution.ts';
import { Rng } from '../../src/core/rng.ts';

const moments = (draws: Float64Array) => {
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
  return { mean, cv: sd / mean };
};

describe('empirical distribution (measured spread shapes)', () => {
  test('draws have the mean and coefficient of variation the distribution is said to have', () => {
    const measured = [3, 1, 4, 1, 5, 9, 2, 6];
    const draws = empiricalDraws(Rng.derive(3, 'test'), 200_000, measured, 'as-measured');
    const { mean, cv } = moments(draws);
    const sorted = Float64Array.from(measured).sort();
    assert.ok(Math.abs(mean - empiricalMean(sorted)) < 0.02, `mean ${mean} vs ${empiricalMean(sorted)}`);
    assert.ok(Math.abs(cv - empiricalVariation(measured)) < 0.005, `cv ${cv} vs ${empiricalVariation(measured)}`);
    assert.ok(draws.every((d) => d >= 1 && d <= 9), 'every draw inside the measured range');
  });

  test('mean-one scales the shape to multipliers of mean 1, whatever the unit', () => {
    const bits = empiricalDraws(Rng.derive(5, 'test'), 100_000, [9.4e9, 9.9e9, 10e9, 5e9], 'mean-one');
    const same = empiricalDraws(Rng.derive(5, 'test'), 100_000, [9.4, 9.9, 10, 5], 'mean-one');
    assert.ok(Math.abs(moments(bits).mean - 1) < 0.01, `mean ${moments(bits).mean}`);
    for (let i = 0; i < 100; i++) assert.ok(Math.abs(bits[i]! - same[i]!) < 1e-12, 'only the shape counts');
  });

  test('a bimodal sample stays bimodal: the share between the modes is the interval between them, 1 / (n - 1)', () => {
    const measured = [...Array.from({ length: 10 }, () => 1), 2, 2];
    const draws = empiricalDraws(Rng.derive(9, 'test'), 100_000, measured, 'as-measured');
    const between = draws.filter((d) => d > 1 && d < 2).length / draws.length;
    const atTwo = draws.filter((d) => d === 2).length / draws.length;
    assert.ok(Math.abs(between - 1 / 11) < 0.005, `between the modes ${between}`);
    assert.ok(Math.abs(atTwo - 1 / 11) < 0.005, `at the upper mode ${atTwo}`);
  });

  test('same seed, same draws; a constant sample has no spread', () => {
    const a = empiricalDraws(Rng.derive(1, 'x'), 50, [1, 2, 3], 'mean-one');
    assert.deepEqual(a, empiricalDraws(Rng.derive(1, 'x'), 50, [1, 2, 3], 'mean-one'));
    assert.notDeepEqual(a, empiricalDraws(Rng.derive(2, 'x'), 50, [1, 2, 3], 'mean-one'));
    assert.equal(empiricalVariation([4, 4, 4]), 0);
    assert.ok(empiricalDraws(Rng.derive(1, 'x'), 20, [4, 4], 'mean-one').every((d) => d === 1));
  });
});
