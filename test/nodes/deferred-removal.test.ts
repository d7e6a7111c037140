import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeferredRemoval } from '../../src/nodes/deferred-removal.ts';

describe('deferred removal (inodes kept until close, blocks freed at once)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipbench-removal-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a removed tree is gone from its place with its files emptied, and nothing is left once emptied', async () => {
    const tree = join(dir, 'snapshots', 'abc');
    await mkdir(join(tree, 'a', 'b'), { recursive: true });
    await writeFile(join(tree, 'a', 'b', 'f'), 'x'.repeat(10_000));
    await writeFile(join(dir, 'blob'), 'y');
    const removal = new DeferredRemoval(join(dir, '.removed'));
    await removal.remove(tree);
    await removal.remove(join(dir, 'blob'));
    await removal.remove(join(dir, 'missing'));
    assert.deepEqual(await readdir(join(dir, 'snapshots')), []);
    assert.equal((await stat(join(dir, '.removed', '0', 'a', 'b', 'f'))).size, 0);
    assert.deepEqual((await readdir(dir)).sort(), ['.removed', 'snapshots']);
    await removal.empty();
    assert.deepEqual(await readdir(dir), ['snapshots']);
  });
});
