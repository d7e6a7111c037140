import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, runCli } from './run-cli.ts';

const run = promisify(execFile);
const SCENARIO = join(REPO_ROOT, 'scenarios/quickstart.yaml');

/**
 * Output checks happen before any work: a real small tmpfs stands for a full disk, a read-only remount for
 * an unwritable directory (as root, permission bits alone would not stop a write).
 */
describe('generate refuses an output it cannot use, before any work', () => {
  let work: string;
  const small = () => join(work, 'small');
  const readOnly = () => join(work, 'ro');

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-refuse-'));
    await mkdir(small());
    await mkdir(readOnly());
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small()]);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,ro', 'tmpfs', readOnly()]);
  });
  after(async () => {
    for (const dir of [small(), readOnly()]) await run('umount', [dir]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  it('says how much it needs and how much is free when the disk is too small', async () => {
    const result = await runCli(['generate', SCENARIO, '--out', join(small(), 'images')]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /need about [\d.]+ MiB in .*, but only [\d.]+ (MiB|KiB) is free there/);
    assert.match(result.stderr, /hint: /);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.deepEqual(await readdir(join(small(), 'images')), ['.shipbench-out'], 'nothing was written but the marker of the directory it created');
  });

  it('names the directory when it cannot write there', async () => {
    const result = await runCli(['generate', SCENARIO, '--out', join(readOnly(), 'images')]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /cannot write to output directory .*ro\/images \(EROFS\)/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});
