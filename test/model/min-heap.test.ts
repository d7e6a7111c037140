import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { MinHeap } from '../../src/model/min-heap.ts';

test('retain drops stale entries and keeps a heap: the rest pop in key order, and pushes after it still sort', () => {
  const heap = new MinHeap<{ id: number; live: boolean }>();
  const rng = Rng.derive('min-heap', 'test');
  const entries = Array.from({ length: 5000 }, (_, id) => ({ id, live: rng.next() < 0.4, key: Math.floor(rng.next() * 100) }));
  for (const e of entries) heap.push(e.key, { id: e.id, live: e.live }, e.id);
  heap.retain((v, tag) => v.live && tag === v.id);
  const live = entries.filter((e) => e.live);
  assert.equal(heap.size, live.length);
  for (let i = 0; i < 50; i++) heap.push(100 + i, { id: -1 - i, live: true }, 0);
  const popped: number[] = [];
  while (heap.size > 0) {
    const key = heap.peekKey();
    heap.pop();
    popped.push(key);
  }
  assert.deepEqual(popped, [...live.map((e) => e.key), ...Array.from({ length: 50 }, (_, i) => 100 + i)].sort((a, b) => a - b));
});

test('retain twice over the same arrays, and down to nothing', () => {
  const heap = new MinHeap<number>();
  for (let i = 0; i < 100; i++) heap.push(100 - i, i);
  heap.retain((v) => v % 2 === 0);
  heap.retain((v) => v % 4 === 0);
  assert.deepEqual(Array.from({ length: heap.size }, () => heap.pop()), [96, 92, 88, 84, 80, 76, 72, 68, 64, 60, 56, 52, 48, 44, 40, 36, 32, 28, 24, 20, 16, 12, 8, 4, 0]);
  for (let i = 0; i < 10; i++) heap.push(i, i);
  heap.retain(() => false);
  assert.equal(heap.size, 0);
  assert.equal(heap.pop(), undefined);
});

test('retain keeps entries of equal keys in the order they stood, so pops among them are the same as before it', () => {
  const rng = Rng.derive('min-heap', 'ties');
  // Ascending keys pushed in order stand in push order; ties among 20 keys, their values shuffled.
  const entries = Array.from({ length: 3000 }, (_, i) => ({ key: Math.floor(i / 150), value: i, keep: rng.next() < 0.6 }));
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    if (entries[i]!.key !== entries[j]!.key) continue;
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  const heap = new MinHeap<number>();
  for (const e of entries) heap.push(e.key, e.value);
  const kept = new Set(entries.filter((e) => e.keep).map((e) => e.value));
  heap.retain((v) => kept.has(v));
  const expected = new MinHeap<number>();
  for (const e of entries) if (e.keep) expected.push(e.key, e.value);
  const pops = (h: MinHeap<number>) => Array.from({ length: h.size }, () => h.pop());
  assert.deepEqual(pops(heap), pops(expected));
});
