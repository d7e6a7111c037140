import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGenerate } from '../../src/cli/run-generate.ts';
import type { GeneratedImageSet } from '../../src/image/image-set-writer.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { runCli } from '../e2e/run-cli.ts';
import type { ScenarioInput } from '../../src/scenario/schema.ts';
import { treeFileBytes, treeSymlinks } from '../support/tree-digest.ts';

/** A directory's every name, mode and byte, to prove shipbench wrote nothing into it. */
function fingerprint(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, d.name);
      const info = statSync(path, { throwIfNoEntry: false });
      hash.update(`${relative(root, path)} ${d.isSymbolicLink() ? 'link' : (info?.mode ?? 0).toString(8)} ${info?.mtimeMs ?? 0}\n`);
      if (d.isDirectory()) walk(path);
      else if (d.isFile()) hash.update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest('hex');
}

/** name-status between two trees as git prints it (A, M, D), from shipbench's written trees. */
function nameStatus(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const out: string[] = [];
  for (const [path, bytes] of b) if (!a.has(path)) out.push(`A\t${path}`);
  else if (!a.get(path)?.equals(bytes)) out.push(`M\t${path}`);
  for (const path of a.keys()) if (!b.has(path)) out.push(`D\t${path}`);
  return out.sort();
}

const layerFiles = (blob: string): string[] => execFileSync('tar', ['-tzf', blob], { encoding: 'utf8' }).split('\n').filter((l) => l !== '' && !l.endsWith('/'));
const blobOf = (layout: string, digest: string) => join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));

function scenario(source: NonNullable<ScenarioInput['content']>['source'], extra: Partial<ScenarioInput> = {}) {
  return resolveScenario({
    name: 'source-test',
    seed: 3,
    content: { preset: 'empty', components: [{ name: 'base', files: 4, size: '16KiB', kind: 'binary', base: true, dir: 'usr/lib' }], source },
    image: { strategies: ['monolithic', 'per-component'] },
    ...extra,
  }, join(tmpdir(), 'scenario.yaml'));
}

const generate = (s: ReturnType<typeof scenario>, out: string): Promise<GeneratedImageSet> =>
  runGenerate(s, { outDir: out, owner: { command: 'generate', force: false }, trees: true, workers: 1, onEvent: () => undefined });

describe('content.source: a git repository, one deploy step per ref', () => {
  let work: string;
  let repo: string;
  let images: GeneratedImageSet;
  let before_: string;
  const refs = ['v1', 'v2', 'HEAD'];
  const sh = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  const put = (path: string, text: string) => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'shipbench-git-source-'));
    repo = join(work, 'repo');
    mkdirSync(repo);
    sh('init', '-q', '-b', 'main');
    put('includes/Title.php', '<?php\nclass Title {}\n'.repeat(40));
    put('includes/Parser.php', '<?php\nclass Parser {}\n'.repeat(60));
    put('extensions/Cite/Cite.php', '<?php\n// Cite\n'.repeat(30));
    put('languages/i18n/en.json', '{\n\t"hello": "Hello"\n}\n');
    put('vendor/lib/a.js', 'export const a = 1;\n');
    symlinkSync('includes/Title.php', join(repo, 'Title-link.php'));
    sh('add', '-A');
    sh('commit', '-q', '-m', 'one');
    sh('tag', 'v1');
    put('includes/Title.php', '<?php\nclass Title { public $x; }\n'.repeat(40));
    put('skins/Vector/Vector.php', '<?php\n// Vector\n');
    chmodSync(join(repo, 'vendor/lib/a.js'), 0o755);
    sh('add', '-A');
    sh('commit', '-q', '-m', 'two');
    sh('tag', 'v2');
    sh('rm', '-q', 'includes/Parser.php');
    put('languages/i18n/de.json', '{\n\t"hello": "Hallo"\n}\n');
    sh('add', '-A');
    sh('commit', '-q', '-m', 'three');
    before_ = fingerprint(repo);
    images = await generate(scenario({ git: { repo, refs } }), join(work, 'out'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('names each step after its ref and writes each ref\'s tree byte for byte, its symlink as a symlink', () => {
    assert.deepEqual(images.trees.map((t) => t.step), ['initial', '1-v2', '2-HEAD']);
    refs.forEach((ref, i) => {
      const expected = join(work, `archive-${i}`);
      mkdirSync(expected);
      execFileSync('sh', ['-c', `git -C "${repo}" archive ${ref} | tar -x -C "${expected}"`]);
      const written = join(images.trees[i]?.dir ?? '', 'srv/mediawiki');
      assert.deepEqual(treeFileBytes(written), treeFileBytes(expected), `tree of ${ref}`);
      assert.deepEqual(treeSymlinks(written), treeSymlinks(expected), `symlinks of ${ref}`);
      assert.deepEqual([...treeSymlinks(written)], [['Title-link.php', 'includes/Title.php']]);
    });
  });

  it('changes between steps exactly what git diff --name-status says', () => {
    const trees = images.trees.map((t) => treeFileBytes(join(t.dir, 'srv/mediawiki')));
    for (let i = 1; i < refs.length; i++) {
      const git = sh('diff', '--no-renames', '--name-status', refs[i - 1] as string, refs[i] as string).split('\n').filter((l) => l !== '' && !l.endsWith('Title-link.php')).sort();
      // A mode-only change is an M to git; shipbench's trees carry the mode, not in the digest: compare by name.
      const ours = nameStatus(trees[i - 1] as Map<string, Buffer>, trees[i] as Map<string, Buffer>);
      const modeOnly = git.filter((l) => !ours.includes(l));
      assert.deepEqual(modeOnly, i === 1 ? ['M\tvendor/lib/a.js'] : [], `step ${i}`);
      assert.deepEqual(ours, git.filter((l) => !modeOnly.includes(l)), `step ${i}`);
    }
    assert.equal(statSync(join(images.trees[1]?.dir ?? '', 'srv/mediawiki/vendor/lib/a.js')).mode & 0o777, 0o755);
  });

  it('layers per component from the path globs, beside the synthetic base', () => {
    const strategy = images.strategies.find((s) => s.name === 'per-component');
    const last = strategy?.images[2];
    assert.ok(strategy !== undefined && last !== undefined);
    const byRole = new Map(last.layers.map((l) => [l.role, layerFiles(blobOf(strategy.layoutDir, l.digest))]));
    const all = [...byRole.values()].flat().sort();
    const tree = join(images.trees[2]?.dir ?? '', 'srv/mediawiki');
    const expected = [...treeFileBytes(tree).keys(), ...treeSymlinks(tree).keys()].map((p) => `srv/mediawiki/${p}`);
    assert.deepEqual(all.filter((p) => p.startsWith('srv/')), expected.sort());
    assert.equal(all.filter((p) => p.startsWith('usr/lib/')).length, 4);
    const extensions = [...byRole].find(([role]) => role.includes('extensions'))?.[1];
    assert.deepEqual(extensions, ['srv/mediawiki/extensions/Cite/Cite.php']);
  });

  it('names the source, its commits and a digest; and never writes into the repository', () => {
    const label = images.contentSource?.label;
    assert.equal(label?.kind, 'git');
    assert.match(label?.detail ?? '', /^v1 @ [0-9a-f]{12}, v2 @ [0-9a-f]{12}, HEAD @ [0-9a-f]{12}$/);
    assert.match(label?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(fingerprint(repo), before_);
  });

  it('inspect names the source, from generate.json', async () => {
    const generated = JSON.parse(readFileSync(join(work, 'out', 'generate.json'), 'utf8')) as { content: { kind: string; digest: string } };
    assert.equal(generated.content.kind, 'git');
    assert.equal(generated.content.digest, images.contentSource?.label.digest);
    const text = await runCli(['inspect', join(work, 'out')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^content: git ${repo} \\(v1 @ [0-9a-f]{12}, .*\\), sha256:[0-9a-f]{64}\n`));
  });
});
