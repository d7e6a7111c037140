import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileEntry } from '../../src/content/file-entry.ts';
import { diffTrees } from '../../src/image/tree-diff.ts';

const file = (path: string, contentKey = path): FileEntry => ({ path, bytes: 10, mode: 0o644, kind: 'php', contentKey, component: 'core', version: undefined }) as FileEntry;

test('tree diff: changed and added files are written; a directory that vanished entirely is one deletion', () => {
  const before = [file('a/b/c.php'), file('a/b/d.php'), file('a/e.php'), file('w/1.14/x/y.php'), file('w/1.14/z.php'), file('w/1.15/q.php'), file('top.php')];
  const after = [file('a/b/c.php', 'changed'), file('a/e.php'), file('n/new.php'), file('w/1.15/q.php'), file('w/1.16/q.php')];
  const diff = diffTrees(before, after);
  assert.deepEqual(diff.written.map((f) => f.path), ['a/b/c.php', 'n/new.php', 'w/1.16/q.php']);
  // a/b survives (c.php), so d.php goes alone; w/1.14 vanished entirely; top.php has no directory.
  assert.deepEqual(diff.deleted, ['a/b/d.php', 'top.php', 'w/1.14']);
});
