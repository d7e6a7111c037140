import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, runCli } from './run-cli.ts';

const GOLDEN = join(REPO_ROOT, 'fixtures/reports/tiny-run.json');

/**
 * A tiny scenario whose layer strategy is named like a user's source directory. A 5 MiB tree: what these tests
 * judge (whose files survive, what is refused, what is marked) does not depend on its size.
 */
const SRC_SCENARIO = `name: clobber
seed: 5
content: { preset: mediawiki-multiversion, scale: 0.0005 }
image: { strategies: [{ monolithic: {}, name: src }] }
deploy: [initial]
`;

async function userTree(root: string): Promise<void> {
  await mkdir(join(root, 'src', 'lib'), { recursive: true });
  await writeFile(join(root, 'src', 'main.ts'), 'the user wrote this\n');
  await writeFile(join(root, 'src', 'lib', 'deep.ts'), 'and this\n');
}

async function assertUserTreeIntact(root: string): Promise<void> {
  assert.equal(await readFile(join(root, 'src', 'main.ts'), 'utf8'), 'the user wrote this\n');
  assert.equal(await readFile(join(root, 'src', 'lib', 'deep.ts'), 'utf8'), 'and this\n');
  assert.deepEqual((await readdir(join(root, 'src'))).sort(), ['lib', 'main.ts'], 'nothing was added to the user\'s directory');
}

describe('generate never deletes what it did not create', { timeout: 300_000 }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-clobber-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('a strategy named like a user directory (`--out .`, strategy `src`): the user\'s files survive, the command refuses with exit 2', async () => {
    const project = join(work, 'project');
    await userTree(project);
    await writeFile(join(project, 'scenario.yaml'), SRC_SCENARIO);
    const result = await runCli(['generate', 'scenario.yaml', '--out', '.', '--force'], { cwd: project, timeoutMs: 120_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /src already exists and was not written by shipbench/);
    assert.match(result.stderr, /hint: /);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    await assertUserTreeIntact(project);
  });

  it('a step named like a user directory under OUT/trees: refused, the user\'s files survive', async () => {
    const out = join(work, 'trees-out');
    await mkdir(join(out, 'trees', 'initial'), { recursive: true });
    await writeFile(join(out, 'trees', 'initial', 'notes.txt'), 'mine\n');
    const scenario = join(work, 'trees.yaml');
    await writeFile(scenario, SRC_SCENARIO.replace('name: src', 'name: mono'));
    const result = await runCli(['generate', scenario, '--out', out, '--tree', '--force'], { cwd: work, timeoutMs: 120_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /trees(\/initial)? already exists and was not written by shipbench/);
    assert.equal(await readFile(join(out, 'trees', 'initial', 'notes.txt'), 'utf8'), 'mine\n');
    assert.deepEqual(await readdir(join(out, 'trees', 'initial')), ['notes.txt']);
  });

  it('its own layouts and trees are replaced on a second generate', async () => {
    const out = join(work, 'own');
    const scenario = join(work, 'own.yaml');
    await writeFile(scenario, SRC_SCENARIO);
    for (let i = 0; i < 2; i++) {
      const result = await runCli(['generate', scenario, '--out', out, '--tree', '--force'], { cwd: work, timeoutMs: 120_000 });
      assert.equal(result.code, 0, result.stderr);
    }
    const index = JSON.parse(await readFile(join(out, 'src', 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.equal(index.manifests.length, 1);
  });
});

describe('every command that writes a directory claims it first', { timeout: 300_000 }, () => {
  let work: string;
  let scenario: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-claim-'));
    scenario = join(work, 'tiny.yaml');
    await writeFile(scenario, SRC_SCENARIO.replace('name: src', 'name: mono'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const usersDir = async (name: string): Promise<string> => {
    const dir = join(work, name);
    await mkdir(dir);
    await writeFile(join(dir, 'thesis.tex'), 'years of work\n');
    return dir;
  };

  for (const [command, args] of [
    ['generate', (out: string) => ['generate', scenario, '--out', out]],
    ['run', (out: string) => ['run', scenario, '--out', out]],
    ['simulate', (out: string) => ['simulate', scenario, '--out', out]],
    ['report', (out: string) => ['report', GOLDEN, '--out', out]],
    ['inspect', (out: string) => ['inspect', scenario, '--out', out]],
    ['check', (out: string) => ['check', scenario, '--out', out, '--budgets', join(REPO_ROOT, 'fixtures/budgets/valid/image.yaml')]],
  ] as const) {
    it(`${command} refuses a non-empty directory it did not create: exit 2, nothing written`, async () => {
      const dir = await usersDir(`not-ours-${command}`);
      const result = await runCli(args(dir), { cwd: work, timeoutMs: 120_000 });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /is not empty and was not created by shipbench/);
      assert.match(result.stderr, /hint: .*--force/);
      assert.deepEqual(await readdir(dir), ['thesis.tex']);
      await assert.rejects(stat(join(work, 'reports')), 'nothing under $PWD/reports either');
    });
  }

  it('with --force, simulate writes only its own files into a user\'s directory and marks nothing', async () => {
    const dir = await usersDir('forced');
    const result = await runCli(['simulate', scenario, '--out', dir, '--force'], { cwd: work, timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await readdir(dir)).sort(), ['results.json', 'thesis.tex']);
    assert.equal(await readFile(join(dir, 'thesis.tex'), 'utf8'), 'years of work\n');
  });

  it('a new directory is created and marked; the same command writes into it again', async () => {
    const dir = join(work, 'sim', 'new');
    for (let i = 0; i < 2; i++) assert.equal((await runCli(['simulate', scenario, '--out', dir], { cwd: work, timeoutMs: 120_000 })).code, 0);
    const marker = JSON.parse(await readFile(join(dir, '.shipbench-out'), 'utf8')) as Record<string, unknown>;
    assert.equal(marker.tool, 'shipbench');
    assert.equal(marker.command, 'simulate');
  });

  it('check --markdown naming a directory, and schema --out naming a directory: exit 2 before any work', async () => {
    const dir = await usersDir('a-dir');
    const check = await runCli(['check', GOLDEN, '--budgets', join(REPO_ROOT, 'fixtures/budgets/valid/results.yaml'), '--markdown', dir], { cwd: work });
    assert.equal(check.code, 2, check.stderr);
    assert.match(check.stderr, /--markdown .*a-dir is a directory/);
    const schema = await runCli(['schema', '--out', dir], { cwd: work });
    assert.equal(schema.code, 2, schema.stderr);
    assert.match(schema.stderr, /--out .*a-dir is a directory/);
    assert.doesNotMatch(`${check.stderr}${schema.stderr}`, /^\s+at /m);
    assert.deepEqual(await readdir(dir), ['thesis.tex']);
  });
});
