import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, open, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skopeo } from '../support/peer-tools.ts';
import { buildUmociImage } from '../support/umoci-images.ts';
import { REPO_ROOT, runCli } from './run-cli.ts';

/**
 * Images are verified before they are trusted: a layer blob whose bytes do not hash to its digest fails
 * inspect and check (exit 2, naming the blob and both digests) instead of passing a budget gate, and a blob
 * that is not a regular file is refused rather than read forever. Output files that cannot be written are
 * refused before any work.
 */

function assertCleanFailure(result: { code: number; stderr: string }, says: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, says);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'a stack trace');
  assert.doesNotMatch(result.stderr, /internal error/);
}

describe('integrity refusals', { timeout: 240_000 }, () => {
  let work: string;
  let good: string;
  let budgets: string;
  let layerDigest: string;
  const layoutCopy = async (name: string) => {
    const dir = join(work, name);
    await cp(good, dir, { recursive: true });
    return dir;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-integrity-'));
    good = join(work, 'good');
    await buildUmociImage(good, [{ tag: 'v1', changes: [{ write: 'srv/app/code.php', bytes: 20_000 }] }]);
    budgets = join(work, 'budgets.yaml');
    await writeFile(budgets, 'budgets:\n  - { metric: compressed-size, max: 1MiB }\n');
    // The v1 image's one non-empty layer: the largest blob that is a gzip stream.
    const blobs = join(good, 'blobs', 'sha256');
    const layers: Array<{ name: string; size: number }> = [];
    for (const name of await readdir(blobs)) {
      const head = (await readFile(join(blobs, name))).subarray(0, 2);
      if (head[0] === 0x1f && head[1] === 0x8b) layers.push({ name, size: (await stat(join(blobs, name))).size });
    }
    layerDigest = layers.sort((a, b) => b.size - a.size)[0]!.name;
  });
  after(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  // Each case's commands read their source and write nothing beside it: they run side by side.
  it('the untampered layout passes inspect and check', async () => {
    const [inspect, { code, stderr }] = await Promise.all([runCli(['inspect', good]), runCli(['check', good, '--budgets', budgets])]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(code, 0, stderr);
  });

  it('a layer blob changed in place (same size, same uncompressed tar) fails inspect and check with exit 2', async () => {
    const tampered = await layoutCopy('tampered');
    // gzip's MTIME field (bytes 4-7): the blob's digest changes, its size and its diff_id do not, so a
    // size check and the diff_id check both pass it.
    const handle = await open(join(tampered, 'blobs', 'sha256', layerDigest), 'r+');
    await handle.write(Buffer.from([0x12, 0x34, 0x56, 0x78]), 0, 4, 4);
    await handle.close();
    const says = new RegExp(`layer sha256:${layerDigest} of v1 in \\S*tampered does not match its digest: expected sha256:${layerDigest} \\(\\d+ bytes\\), but the blob \\S+ hashes to sha256:[0-9a-f]{64}`);
    const [inspect, check] = await Promise.all([runCli(['inspect', tampered]), runCli(['check', tampered, '--budgets', budgets, '--json', join(work, 'tampered-check.json')])]);
    assertCleanFailure(inspect, says);
    assertCleanFailure(check, says);
    await assert.rejects(stat(join(work, 'tampered-check.json')), { code: 'ENOENT' }, 'no verdict written for an unverified image');
  });

  it('a layer blob corrupted mid-stream (its gzip broken) fails inspect and check as a digest mismatch, exit 2', async () => {
    const broken = await layoutCopy('broken');
    const path = join(broken, 'blobs', 'sha256', layerDigest);
    const bytes = await readFile(path);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(path, bytes);
    // The mismatch is the cause to name, not how the corruption broke gzip (inspect said exit 1 "not a readable gzip tar").
    const says = new RegExp(`layer sha256:${layerDigest} of v1 in \\S*broken does not match its digest`);
    const [inspect, check] = await Promise.all([runCli(['inspect', broken]), runCli(['check', broken, '--budgets', budgets])]);
    assertCleanFailure(inspect, says);
    assertCleanFailure(check, says);
  });

  it('a layer blob that is a FIFO is refused by inspect and check, without hanging', async () => {
    const fifo = await layoutCopy('fifo');
    const blob = join(fifo, 'blobs', 'sha256', layerDigest);
    await unlink(blob);
    execFileSync('mkfifo', [blob]);
    const says = new RegExp(`layer sha256:${layerDigest} of image v1 in \\S*fifo \\(\\S+\\) is a FIFO, not a regular file: refused without reading it`);
    const [inspect, check] = await Promise.all([runCli(['inspect', fifo], { timeoutMs: 60_000 }), runCli(['check', fifo, '--budgets', budgets], { timeoutMs: 60_000 })]);
    assertCleanFailure(inspect, says);
    assertCleanFailure(check, says);
  });

  it('a docker-archive whose config does not hash to its name is refused', async () => {
    const archive = join(work, 'app.tar');
    await skopeo('copy', '-q', `oci:${good}:v1`, `docker-archive:${archive}:check/app:v1`);
    const unpacked = join(work, 'archive');
    await mkdir(unpacked);
    execFileSync('tar', ['-xf', archive, '-C', unpacked]);
    const manifest = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as Array<{ Config: string }>;
    const config = join(unpacked, manifest[0]!.Config);
    // Still valid JSON with the same diff_ids: only the digest tells it changed.
    await writeFile(config, `${await readFile(config, 'utf8')} `);
    const tampered = join(work, 'tampered.tar');
    execFileSync('tar', ['-cf', tampered, '-C', unpacked, '.']);
    assertCleanFailure(await runCli(['check', tampered, '--budgets', budgets]), /tampered\.tar: image 1's config \S+ does not match its digest: expected sha256:[0-9a-f]{64}, its bytes hash to sha256:[0-9a-f]{64}/);
  });

  it('check refuses --json under a regular file and --markdown naming a directory, before reading the source', async () => {
    const file = join(work, 'a-file');
    await writeFile(file, 'mine\n');
    const dir = join(work, 'a-dir');
    await mkdir(dir, { recursive: true });
    const [json, markdown, junit] = await Promise.all([
      runCli(['check', good, '--budgets', budgets, '--json', join(file, 'check.json')]),
      runCli(['check', good, '--budgets', budgets, '--markdown', dir]),
      runCli(['check', good, '--budgets', budgets, '--junit', join(file, 'x', 'junit.xml')]),
    ]);
    assertCleanFailure(json, /--json \S+a-file\/check\.json: \S+a-file is a file, not a directory/);
    assertCleanFailure(markdown, /--markdown \S+a-dir is a directory/);
    assertCleanFailure(junit, /--junit \S+: cannot write there \(a part of its path is a file, not a directory\)/);
    assert.equal(await readFile(file, 'utf8'), 'mine\n');
    assert.deepEqual(await readdir(dir), []);
  });

  it('a scenario or budgets file that is a FIFO is refused by validate, inspect and check, not read forever', async () => {
    const fifo = join(work, 'scenario.yaml');
    execFileSync('mkfifo', [fifo]);
    const says = /scenario\.yaml is not a regular file \(a FIFO, a device or a socket\)/;
    const results = await Promise.all([
      runCli(['validate', fifo], { timeoutMs: 60_000 }),
      runCli(['inspect', fifo, '--out', join(work, 'never')], { timeoutMs: 60_000 }),
      runCli(['check', good, '--budgets', fifo], { timeoutMs: 60_000 }),
    ]);
    for (const result of results) assertCleanFailure(result, says);
  });

  it('check of a source that is a FIFO is refused, not read forever', async () => {
    const fifo = join(work, 'image.tar');
    execFileSync('mkfifo', [fifo]);
    assertCleanFailure(await runCli(['check', fifo, '--budgets', budgets], { cwd: REPO_ROOT, timeoutMs: 60_000 }), /image\.tar is neither a regular file nor a directory/);
  });
});
