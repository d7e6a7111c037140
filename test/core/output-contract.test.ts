import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { assertReplaceable, claimOutputDir, hasOutputMarker, OUTPUT_MARKER, replaceOwnDir } from '../../src/core/output-contract.ts';

const refusedAs = (code: string) => (error: unknown) => {
  assert.ok(error instanceof ShipbenchError, String(error));
  assert.equal(error.code, code);
  assert.equal(error.exitCode, 2);
  assert.ok(error.hint !== undefined && error.hint.length > 0);
  return true;
};

describe('the output-directory contract', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-contract-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('creates and marks a new directory, naming the tool, version and command', async () => {
    const dir = join(work, 'new', 'deeper');
    assert.deepEqual(await claimOutputDir(dir, { command: 'generate', force: false }), { dir, owned: true });
    const marker = JSON.parse(await readFile(join(dir, OUTPUT_MARKER), 'utf8')) as Record<string, unknown>;
    assert.equal(marker.tool, 'shipbench');
    assert.equal(marker.command, 'generate');
    assert.match(String(marker.version), /^\d+\.\d+\.\d+/);
    // Claimed again: still ours.
    assert.equal((await claimOutputDir(dir, { command: 'run', force: false })).owned, true);
  });

  it('marks an empty directory', async () => {
    const dir = join(work, 'empty');
    await mkdir(dir);
    assert.equal((await claimOutputDir(dir, { command: 'simulate', force: false })).owned, true);
    assert.ok(await hasOutputMarker(dir));
  });

  it('refuses a non-empty directory without the marker; with --force uses it without marking or emptying it', async () => {
    const dir = join(work, 'users');
    await mkdir(dir);
    await writeFile(join(dir, 'thesis.tex'), 'years of work');
    await assert.rejects(claimOutputDir(dir, { command: 'run', force: false }), refusedAs('output-not-ours'));
    assert.deepEqual(await claimOutputDir(dir, { command: 'run', force: true }), { dir, owned: false });
    assert.deepEqual(await readdir(dir), ['thesis.tex']);
  });

  it('refuses a file, or a forged marker that is not shipbench\'s', async () => {
    await writeFile(join(work, 'a-file'), 'x');
    await assert.rejects(claimOutputDir(join(work, 'a-file'), { command: 'run', force: true }), refusedAs('output-not-a-directory'));
    const forged = join(work, 'forged');
    await mkdir(forged);
    await writeFile(join(forged, OUTPUT_MARKER), '{"tool":"other"}');
    await writeFile(join(forged, 'data'), 'x');
    await assert.rejects(claimOutputDir(forged, { command: 'run', force: false }), refusedAs('output-not-ours'));
  });

  it('replaces only directories it marked, never a user\'s (not even a symlink to one)', async () => {
    const users = join(work, 'src');
    await mkdir(users);
    await writeFile(join(users, 'main.ts'), 'mine');
    await assert.rejects(replaceOwnDir(users, 'a layout', 'generate'), refusedAs('output-entry-not-ours'));
    await assert.rejects(assertReplaceable(users, 'a layout'), refusedAs('output-entry-not-ours'));
    assert.equal(await readFile(join(users, 'main.ts'), 'utf8'), 'mine');
    const link = join(work, 'link');
    await symlink(users, link);
    await assert.rejects(replaceOwnDir(link, 'a layout', 'generate'), refusedAs('output-entry-not-ours'));
    assert.equal(await readFile(join(users, 'main.ts'), 'utf8'), 'mine');

    const own = join(work, 'own');
    await replaceOwnDir(own, 'a layout', 'generate');
    await writeFile(join(own, 'blob'), 'old');
    await replaceOwnDir(own, 'a layout', 'generate');
    assert.deepEqual(await readdir(own), [OUTPUT_MARKER], 'its own directory was emptied and marked again');
  });
});
