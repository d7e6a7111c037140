import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './run-cli.ts';

describe('run refuses a fleet beyond this machine, before any work', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-capacity-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('100,000 nodes of the full MediaWiki tree: exit 2 with the numbers, pointing to simulate; nothing written', async () => {
    const file = join(work, 'huge-fleet.yaml');
    await writeFile(file, 'name: huge-fleet\nfleet:\n  nodes: 100000\n');
    const out = join(work, 'out');
    // Today's main starts generating gigabytes of images here instead.
    const { code, stdout, stderr } = await runCli(['run', file, '--out', out], { cwd: work, timeoutMs: 60_000 });
    assert.equal(code, 2, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /^shipbench: 100000 nodes need at least [\d.]+ PiB on disk under \S+out \([\d.]+ GiB a node\), but only [\d.]+ [KMGTP]?i?B is free there$/m);
    assert.match(stderr, /hint: simulate it instead: `shipbench simulate \S+huge-fleet\.yaml`/);
    assert.doesNotMatch(stderr, /^\s+at /m);
    assert.equal(existsSync(out), false);
    assert.deepEqual(await readdir(work), ['huge-fleet.yaml']);
    // validate needs no disk: the file itself is fine.
    const validated = await runCli(['validate', file]);
    assert.equal(validated.code, 0, validated.stderr);
  });

  // 100,000 virtual nodes at 1 MiB each; a machine with more memory available than that has room for them.
  it('100,000 virtual nodes all at once: exit 2 on memory even when they write nothing', { skip: freemem() > 90 * 2 ** 30 && 'this machine has room for them' }, async () => {
    const file = join(work, 'memory-fleet.yaml');
    await writeFile(file, 'name: memory-fleet\ncontent: { scale: 0.001 }\nfleet:\n  nodes: 100000\n  node: { unpack: false }\n');
    const { code, stderr } = await runCli(['run', file, '--mechanism', 'image', '--out', join(work, 'out2')], { cwd: work, timeoutMs: 60_000 });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^shipbench: 100000 virtual nodes \(100000 at a time\) need at least [\d.]+ GiB of memory, but only [\d.]+ [KMGTP]?i?B is available$/m);
    assert.match(stderr, /hint: simulate it instead/);
    assert.equal(existsSync(join(work, 'out2')), false);
  });
});
