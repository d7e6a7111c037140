import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/core/rng.ts';

describe('Rng', () => {
  it('gives the same stream for the same seed and labels, another for others', () => {
    const draw = (seed: number | string, label: string) => {
      const r = Rng.derive(seed, label);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    assert.deepEqual(draw(42, 'x'), draw(42, 'x'));
    assert.notDeepEqual(draw(42, 'x'), draw(42, 'y'));
    assert.notDeepEqual(draw(42, 'x'), draw(43, 'x'));
    assert.deepEqual(draw(42, 'x'), draw('42', 'x'));
  });

  it('pins the first draws, so content does not change silently between releases', () => {
    const r = Rng.derive(1, 'pin');
    assert.deepEqual([r.nextUint32(), r.nextUint32(), r.nextUint32()], [660725148, 3881191669, 3617422873]);
  });

  it('samples distinct sorted indices and uniform ints in range', () => {
    const r = Rng.derive(7, 'sample');
    const picked = r.sampleIndices(100, 10);
    assert.equal(new Set(picked).size, 10);
    assert.deepEqual(picked, [...picked].sort((x, y) => x - y));
    assert.ok(picked.every((i) => i >= 0 && i < 100));
    assert.deepEqual(r.sampleIndices(3, 10), [0, 1, 2]);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(3, 5);
      assert.ok(v >= 3 && v <= 5);
    }
  });
});
