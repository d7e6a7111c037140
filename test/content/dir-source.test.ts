import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildFleetPlan } from '../../src/cli/model-plan.ts';
import { runGenerate } from '../../src/cli/run-generate.ts';
import { loadContentSource } from '../../src/content/source/content-source-loader.ts';
import { ShipbenchError } from '../../src/core/errors.ts';
import type { GeneratedImageSet } from '../../src/image/image-set-writer.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import type { ScenarioInput } from '../../src/scenario/schema.ts';
import { startRsyncDaemon } from '../../src/volume/rsync-daemon.ts';
import { rsyncSync } from '../../src/volume/rsync-sync.ts';
import { treeFileBytes, treeSymlinks } from '../support/tree-digest.ts';

const fingerprint = (root: string): string => {
  const hash = createHash('sha256');
  for (const [path, bytes] of [...treeFileBytes(root)].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${path}\0`).update(bytes);
  return hash.digest('hex');
};

const changed = (a: Map<string, Buffer>, b: Map<string, Buffer>): string[] => [...b].filter(([p, bytes]) => !a.get(p)?.equals(bytes)).map(([p]) => p).sort();

/** Share of the parent's lines the edited file still holds: a real edit keeps most of a file. */
function keptLines(parent: Buffer, child: Buffer): number {
  const lines = new Set(child.toString('latin1').split('\n'));
  const all = parent.toString('latin1').split('\n');
  return all.filter((l) => lines.has(l)).length / all.length;
}

const code = (name: string, n: number) => Array.from({ length: n }, (_, i) => `\tpublic function ${name}${i}( $value ) { return $this->${name}[${i}] ?? $value; }`).join('\n');

describe('content.source: a real directory, edited by synthetic deploy steps', () => {
  let work: string;
  let dir: string;
  let before_: string;
  let images: GeneratedImageSet;
  let again: GeneratedImageSet;
  const input = (): ScenarioInput => ({
    name: 'dir-source',
    seed: 5,
    content: { preset: 'empty', components: [{ name: 'base', files: 3, size: '12KiB', kind: 'binary', base: true, dir: 'usr/lib' }], source: { dir } },
    image: { strategies: ['per-component'] },
    deploy: ['initial', { backport: { files: 1 } }, { config: { files: 1 } }, 'l10n'],
  });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'shipbench-dir-source-'));
    dir = join(work, 'staging');
    const put = (path: string, bytes: string | Buffer) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    };
    put('includes/Title.php', `<?php\nclass Title {\n${code('title', 120)}\n}\n`);
    put('extensions/Cite/Cite.php', `<?php\nclass Cite {\n${code('cite', 80)}\n}\n`);
    put('languages/i18n/en.json', '{\n\t"@metadata": {\n\t\t"authors": []\n\t},\n\t"hello": "Hello",\n\t"bye": "Bye"\n}\n');
    put('wmf-config/CommonSettings.php', `<?php\n${code('setting', 60)}\n`);
    put('cache/l10n/l10n_cache-en.cdb', createHash('sha512').update('cdb').digest().toString('hex').repeat(400));
    symlinkSync('../includes', join(dir, 'wmf-config', 'includes-link'));
    // A link out of the tree ships as a link: nothing outside the tree is read or written through it.
    symlinkSync('/etc/hostname', join(dir, 'outside-link'));
    before_ = fingerprint(dir);
    const scenario = resolveScenario(input(), join(work, 'scenario.yaml'));
    images = await runGenerate(scenario, { outDir: join(work, 'out'), owner: { command: 'generate', force: false }, trees: true, workers: 1, onEvent: () => undefined });
    again = await runGenerate(scenario, { outDir: join(work, 'out-again'), owner: { command: 'generate', force: false }, trees: false, workers: 1, onEvent: () => undefined });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('ships the tree as it is at the initial step, symlinks as symlinks, beside the synthetic base', () => {
    const written = join(images.trees[0]?.dir ?? '', 'srv/mediawiki');
    const initial = treeFileBytes(written);
    assert.deepEqual([...initial.keys()].sort(), [...treeFileBytes(dir).keys()].sort());
    for (const [path, bytes] of treeFileBytes(dir)) assert.ok(initial.get(path)?.equals(bytes), path);
    const links = [['outside-link', '/etc/hostname'], ['wmf-config/includes-link', '../includes']];
    assert.deepEqual([...treeSymlinks(written)].sort(), links);
    assert.match(images.contentSource?.label.detail ?? '', /^5 files, .* and 2 symlinks \(shipped as links\)$/);
    // The layer holds them as links too (tar -tv prints `name -> target`).
    const strategy = images.strategies[0];
    const listing = strategy?.images[0]?.layers.map((l) => execFileSync('tar', ['-tvzf', join(strategy.layoutDir, 'blobs', 'sha256', l.digest.slice(7))], { encoding: 'utf8' })).join('') ?? '';
    for (const [path, target] of links) assert.match(listing, new RegExp(`^l.* srv/mediawiki/${path} -> ${target}$`, 'm'));
  });

  it('the volume side rsyncs the symlinks as symlinks, through a real rsync daemon', async () => {
    const daemon = await startRsyncDaemon({ name: 'dir-source', modules: [{ name: 'tree', path: images.trees[0]?.dir ?? '' }], stateDir: join(work, 'rsyncd') });
    try {
      const outcome = await rsyncSync({ source: daemon.url('tree'), dest: join(work, 'node') });
      assert.ok(outcome.ok);
    } finally {
      await daemon.stop();
    }
    assert.deepEqual([...treeSymlinks(join(work, 'node', 'srv/mediawiki'))].sort(), [['outside-link', '/etc/hostname'], ['wmf-config/includes-link', '../includes']]);
  });

  it('edits real files the way each deploy kind does, keeping most of each edited file', () => {
    const trees = images.trees.map((t) => treeFileBytes(join(t.dir, 'srv/mediawiki')));
    const [initial, backport, config, l10n] = trees as [Map<string, Buffer>, Map<string, Buffer>, Map<string, Buffer>, Map<string, Buffer>];
    const backported = changed(initial, backport);
    assert.equal(backported.length, 1);
    assert.match(backported[0] as string, /^(includes\/Title|extensions\/Cite\/Cite)\.php$/);
    assert.ok(keptLines(initial.get(backported[0] as string) as Buffer, backport.get(backported[0] as string) as Buffer) > 0.8);
    assert.deepEqual(changed(backport, config), ['wmf-config/CommonSettings.php']);
    assert.deepEqual(changed(config, l10n), ['cache/l10n/l10n_cache-en.cdb']);
  });

  it('gives the same digests for the same seed, and never writes into the directory', () => {
    assert.deepEqual(again.strategies.map((s) => s.images.map((i) => i.manifestDigest)), images.strategies.map((s) => s.images.map((i) => i.manifestDigest)));
    assert.equal(again.contentSource?.label.digest, images.contentSource?.label.digest);
    assert.equal(fingerprint(dir), before_);
  });

  it('plans the fleet model from the same real tree (simulate)', async () => {
    const scenario = resolveScenario(input(), join(work, 'scenario.yaml'));
    const source = await loadContentSource(scenario, join(work, 'out-model'));
    const plan = buildFleetPlan(scenario, 1, source);
    // rsync's view: the 5 real files and 2 symlinks, the CDB left to each node's rebuild (volume.l10n: rebuild, as scap).
    assert.deepEqual(plan.volume.map((v) => [v.step, v.treeFiles, v.changedFiles]), [['initial', 6, 6], ['backport-1', 6, 1], ['config-1', 6, 1], ['l10n-1', 6, 0]]);
  });

  it('refuses a FIFO in the tree with a clear error', async () => {
    const odd = join(work, 'odd');
    mkdirSync(odd);
    writeFileSync(join(odd, 'a.php'), '<?php\n');
    execFileSync('mkfifo', [join(odd, 'pipe')]);
    const scenario = resolveScenario({ ...input(), content: { preset: 'empty', source: { dir: odd } }, deploy: ['initial'] }, join(work, 'scenario.yaml'));
    await assert.rejects(runGenerate(scenario, { outDir: join(work, 'out-odd'), owner: { command: 'generate', force: false }, trees: false, workers: 1, onEvent: () => undefined }), (error: unknown) => {
      assert.ok(error instanceof ShipbenchError);
      assert.equal(error.code, 'content-source-special-file');
      assert.match(error.message, /pipe is not a regular file/);
      return true;
    });
  });

  it('points at a missing directory, a non-repository and a bad ref by line and column', async () => {
    const file = join(work, 'bad.yaml');
    writeFileSync(join(work, 'not-a-repo.txt'), 'x');
    writeFileSync(file, 'name: bad\ncontent:\n  source: { dir: ./nowhere }\n');
    const missing = await loadScenario(file).then(() => undefined, (e: unknown) => e);
    assert.ok(missing instanceof ShipbenchError);
    assert.deepEqual(missing.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}`), ['3:18 content.source.dir']);
    assert.match(missing.problems[0]?.message ?? '', /nowhere does not exist/);
    const repo = join(work, 'repo');
    mkdirSync(repo);
    execFileSync('git', ['-C', repo, 'init', '-q']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'one']);
    writeFileSync(file, 'name: bad\ncontent:\n  source:\n    git:\n      repo: ./repo\n      refs: [HEAD, no-such-tag]\n');
    const badRef = await loadScenario(file).then(() => undefined, (e: unknown) => e);
    assert.ok(badRef instanceof ShipbenchError);
    assert.deepEqual(badRef.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}`), ['6:20 content.source.git.refs.1']);
    assert.match(badRef.problems[0]?.message ?? '', /"no-such-tag" is not a commit of/);
    writeFileSync(file, 'name: bad\ncontent:\n  source: { git: { repo: ./not-a-repo.txt, refs: [HEAD] } }\ndeploy: [initial]\n');
    const notRepo = await loadScenario(file).then(() => undefined, (e: unknown) => e);
    assert.ok(notRepo instanceof ShipbenchError);
    assert.deepEqual(notRepo.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}`), ['3:26 content.source.git.repo', '4:9 deploy']);
  });
});
