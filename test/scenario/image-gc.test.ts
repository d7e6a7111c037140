import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';

const resolve = (src: string) => resolveScenario(parseScenario(src, 'inline.yaml'), 'inline.yaml');

describe('fleet.node.imageGC', () => {
  test('left out: the last two images (the in-use one and the rollback target)', () => {
    assert.deepEqual(resolve('name: x\n').fleet.node.imageGC, { kind: 'keep-last', images: 2 });
  });

  test("thresholds default to kubelet's 85% and 80% of the disk size, which virtual nodes may then have", () => {
    const gc = resolve('name: x\nfleet:\n  node:\n    disk: { size: 1000MiB }\n    imageGC: {}\n').fleet.node.imageGC;
    assert.equal(gc.kind, 'thresholds');
    assert.ok(gc.kind === 'thresholds' && gc.high === 0.85 && gc.low === 0.8 && gc.highBytes === Math.floor(0.85 * 1000 * 2 ** 20));
    assert.deepEqual(resolve('name: x\nfleet:\n  node:\n    imageGC: { keepLast: 5 }\n').fleet.node.imageGC, { kind: 'keep-last', images: 5 });
  });

  test('a disk size without thresholds still needs netns isolation; keepLast 0 is refused', () => {
    for (const src of ['name: x\nfleet:\n  node:\n    disk: { size: 1GiB }\n', 'name: x\nfleet:\n  node:\n    imageGC: { keepLast: 0 }\n']) {
      assert.throws(() => parseScenario(src, 'inline.yaml'), (e: unknown) => e instanceof ShipbenchError && e.problems.length === 1);
    }
  });
});
