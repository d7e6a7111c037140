import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './run-cli.ts';

/** A tiny scenario whose layer strategy is named like a user's source directory. */
const SRC_SCENARIO = `name: clobber
seed: 5
content: { preset: mediawiki-multiversion, scale: 0.002 }
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
    const result = await runCli(['generate', 'scenario.yaml', '--out', '.'], { cwd: project, timeoutMs: 120_000 });
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
    const result = await runCli(['generate', scenario, '--out', out, '--tree'], { cwd: work, timeoutMs: 120_000 });
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
      const result = await runCli(['generate', scenario, '--out', out, '--tree'], { cwd: work, timeoutMs: 120_000 });
      assert.equal(result.code, 0, result.stderr);
    }
    const index = JSON.parse(await readFile(join(out, 'src', 'index.json'), 'utf8')) as { manifests: unknown[] };
    assert.equal(index.manifests.length, 1);
  });
});
