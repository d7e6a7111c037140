import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LayerChange } from '../../src/image/layer-scan.ts';
import { wasteOf } from '../../src/image/layer-waste.ts';

const file = (path: string, bytes: number): LayerChange => ({ kind: 'file', path, bytes });
const del = (path: string): LayerChange => ({ kind: 'delete', path });
const opaque = (path: string): LayerChange => ({ kind: 'opaque', path });

describe('wasted bytes and efficiency', () => {
  it('an image whose files each appear once wastes nothing', () => {
    const w = wasteOf([[file('a', 10), file('b', 20)], [file('c', 5)]]);
    assert.deepEqual(w, { fileBytes: 35, wastedBytes: 0, wastedFiles: 0, efficiency: 1 });
  });

  it('an overwritten file wastes every copy but the top one', () => {
    const w = wasteOf([[file('a', 100)], [file('a', 70)], [file('a', 40)]]);
    assert.equal(w.wastedBytes, 170);
    assert.equal(w.fileBytes, 210);
    assert.equal(w.efficiency, 1 - 170 / 210);
  });

  it('a deleted file wastes all its copies; a deleted directory every file below it, not its namesakes', () => {
    const w = wasteOf([[file('srv/a/f', 30), file('srv/d/x', 5), file('srv/d/y/z', 6), file('srv/dd', 7)], [del('srv/a/f'), del('srv/d')]]);
    assert.equal(w.wastedBytes, 30 + 5 + 6);
    assert.equal(w.wastedFiles, 3);
  });

  it('an opaque directory hides what lower layers put below it, not what its own layer adds', () => {
    const w = wasteOf([[file('etc/a', 10), file('etc/b', 20), file('etcx', 1)], [opaque('etc'), file('etc/b', 3)]]);
    assert.equal(w.wastedBytes, 30);
    assert.equal(w.fileBytes, 34);
  });

  it('a file deleted and added again in one layer wastes the lower copy only', () => {
    const w = wasteOf([[file('a', 10)], [del('a'), file('a', 4)], [file('b', 1)]]);
    assert.equal(w.wastedBytes, 10);
  });

  it('an image without files is fully efficient', () => {
    assert.equal(wasteOf([[], [del('x')]]).efficiency, 1);
  });
});
