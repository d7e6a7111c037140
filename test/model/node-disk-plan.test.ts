import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelImageStep, ModelLayer } from '../../src/model/fleet-plan.ts';
import { nodeDiskPlan } from '../../src/model/node-disk-plan.ts';
import { resolveImageGC } from '../../src/scenario/image-gc.ts';

const MIB = 1024 ** 2;
const layer = (id: string, mib: number): ModelLayer => ({ id, compressedBytes: mib * MIB, uncompressedBytes: 2 * mib * MIB, files: 10 });

/** A deploy week from the layer plan: a shared base, code that changes at the train, a new top layer every step. */
function week(): ModelImageStep[] {
  const base = layer('base', 10);
  return ['initial', 'mon-backport', 'mon-config', 'train', 'tue-l10n', 'wed-backport', 'wed-config', 'thu-backport', 'thu-config'].map((step, i) => ({
    step,
    layers: [base, layer(i < 3 ? 'code-1' : 'code-2', 20), layer(`top-${i}`, 5)],
  }));
}

describe('node disk plan (simulate)', () => {
  it('by default keeps the in-use image and the previous one', () => {
    const disks = nodeDiskPlan(week(), undefined, true);
    assert.deepEqual(disks.map((d) => d.imagesHeld), [1, 2, 2, 2, 2, 2, 2, 2, 2]);
    // base + code + two tops, blobs and unpacked: (10 + 20 + 5 + 5) x 3 MiB, and more across the train.
    assert.equal(disks[2]!.heldBytes, (10 + 20 + 5 + 5) * 3 * MIB);
    assert.ok(disks.slice(1).every((d) => d.gcImagesRemoved <= 1));
  });

  it('thresholds hold disk under high and free down to low, least recently used first', () => {
    const gc = resolveImageGC({ high: '80%', low: '60%' }, { size: `${150 * 1.2}MiB` });
    assert.equal(gc.kind, 'thresholds');
    const disks = nodeDiskPlan(week(), gc, true);
    const high = 0.8 * 180 * MIB;
    const low = 0.6 * 180 * MIB;
    for (const d of disks) assert.ok(d.heldBytes <= high, `${d.heldBytes} above ${high}`);
    for (const d of disks.filter((x) => x.gcImagesRemoved > 0)) assert.ok(d.heldBytes <= low || d.imagesHeld === 1);
    assert.ok(disks.reduce((n, d) => n + d.gcFreedBytes, 0) > 0);
    // Without GC pressure (a big disk) nothing goes: the node keeps every image of the week.
    const roomy = nodeDiskPlan(week(), resolveImageGC({}, { size: '100GiB' }), true);
    assert.equal(roomy.at(-1)!.imagesHeld, 9);
    assert.ok(roomy.every((d) => d.gcFreedBytes === 0));
  });
});
