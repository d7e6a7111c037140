import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareEntryPaths, fileEntry, type FileEntry } from '../../src/content/file-entry.ts';
import { mergeSortedRuns } from '../../src/content/sorted-runs.ts';
import { Rng } from '../../src/core/rng.ts';

const entry = (path: string, tag: number): FileEntry => fileEntry(path, tag, 0o644, 'php', `k${tag}`, 'c', undefined);

describe('mergeSortedRuns', () => {
  it('gives what a stable sort of the runs one after another gives, ties and overlapping runs included', () => {
    const rng = Rng.derive(7, 'sorted-runs');
    for (let round = 0; round < 200; round++) {
      let tag = 0;
      // Runs under a few dirs, some shared (overlapping ranges), some paths repeated (ties), some runs empty.
      const runs = Array.from({ length: rng.int(0, 6) }, () => {
        const dir = rng.pick(['a', 'b', 'b/x', 'c']);
        return Array.from({ length: rng.int(0, 8) }, () => entry(`${dir}/${rng.int(0, 12)}`, tag++)).sort(compareEntryPaths);
      });
      assert.deepEqual(mergeSortedRuns(runs), runs.flat().sort(compareEntryPaths), `round ${round}`);
    }
  });

  it('leaves runs that do not overlap in place, uncompared', () => {
    const runs = [[entry('b/1', 0), entry('b/2', 1)], [entry('a/1', 2)], [entry('c/1', 3)]];
    assert.deepEqual(mergeSortedRuns(runs).map((f) => f.path), ['a/1', 'b/1', 'b/2', 'c/1']);
  });
});
