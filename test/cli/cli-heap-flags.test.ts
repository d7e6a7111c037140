import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI_HEAP_FLAGS } from '../../src/cli/cli-heap-flags.ts';

test("bin/shipbench.js's shebang gives node exactly the heap flags that sweep points and benches are given", () => {
  const first = readFileSync(new URL('../../bin/shipbench.js', import.meta.url), 'utf8').split('\n')[0]!;
  const match = /^#!\/usr\/bin\/env -S node (.*)$/.exec(first);
  assert.ok(match !== null, first);
  assert.deepEqual(match[1]!.split(' '), [...CLI_HEAP_FLAGS]);
});
