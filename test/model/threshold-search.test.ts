import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchThreshold } from '../../src/model/threshold-search.ts';
import { kneeIndex } from '../../src/stats/knee.ts';

describe('threshold search', () => {
  it('finds the smallest integer that meets a target when more of the key helps, in few probes', async () => {
    // makespan = 3600 / replicas: at most 15 minutes needs 4 replicas.
    const probes: number[] = [];
    const answer = await searchThreshold({ low: 1, high: 64, integer: true, meets: async (r) => (probes.push(r), 3600 / r <= 900) });
    assert.deepEqual(answer, { kind: 'smallest', value: 4 });
    assert.ok(probes.length <= 2 + Math.ceil(Math.log2(64)), `${probes.length} probes`);
  });

  it('finds the largest value that still meets it when more of the key hurts', async () => {
    // makespan = 2 s per node: 15 minutes holds 450 nodes.
    assert.deepEqual(await searchThreshold({ low: 10, high: 10_000, integer: true, meets: async (n) => 2 * n <= 900 }), { kind: 'largest', value: 450 });
    const real = await searchThreshold({ low: 1, high: 100, integer: false, tolerance: 0.001, meets: async (x) => x * x <= 50 });
    assert.equal(real.kind, 'largest');
    assert.ok(real.kind === 'largest' && Math.abs(real.value - Math.sqrt(50)) < 0.01);
  });

  it('says when the range meets the target everywhere or nowhere', async () => {
    assert.deepEqual(await searchThreshold({ low: 1, high: 8, integer: true, meets: async () => true }), { kind: 'everywhere' });
    assert.deepEqual(await searchThreshold({ low: 1, high: 8, integer: true, meets: async () => false }), { kind: 'nowhere' });
  });
});

describe('knee', () => {
  it('is the first point after which a step gains under 10%', () => {
    // 100, 50, 35, 32, 31: 1 -> 2 gains 50%, 2 -> 3 30%, 3 -> 4 8.6%: the knee is at 3.
    assert.equal(kneeIndex([1, 2, 3, 4, 5], [100, 50, 35, 32, 31], 'linear'), 2);
  });

  it('counts gain per unit of a linear key, and per step of a log key', () => {
    // 1 -> 3 gains 30% over two units: 15% per unit, still steep; 3 -> 5 gains 10% over two: 5%, flat.
    assert.equal(kneeIndex([1, 3, 5], [100, 70, 63], 'linear'), 1);
    assert.equal(kneeIndex([10, 100, 1000], [100, 85, 80], 'log'), 1);
  });

  it('has none where the metric grows with the key', () => {
    assert.equal(kneeIndex([10, 100, 1000], [5, 50, 500], 'log'), undefined);
  });
});
