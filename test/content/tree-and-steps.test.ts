import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContentTree } from '../../src/content/content-tree.ts';
import { applyDeployStep } from '../../src/content/deploy-step.ts';
import { buildInitialTree } from '../../src/content/tree-builder.ts';
import { smallScenario } from '../support/scenarios.ts';

const byPath = (tree: ContentTree) => new Map(tree.files.map((f) => [f.path, f]));

describe('synthetic tree', () => {
  const scenario = smallScenario();
  const tree = buildInitialTree(scenario);

  it('holds every component with its scaled count and exact total size', () => {
    for (const c of scenario.content.components) {
      const files = tree.files.filter((f) => f.component === c.name);
      const copies = c.perVersion ? scenario.content.versions.length : 1;
      // An l10n cache holds each language's upstream JSON beside its CDB, as scap keeps it.
      const perFile = c.kind === 'cdb' ? 2 : 1;
      assert.equal(files.length, c.files * copies * perFile, c.name);
      if (!c.perVersion) assert.equal(files.reduce((n, f) => n + f.bytes, 0), c.bytes, c.name);
    }
  });

  it('is sorted, has unique paths, and is the same for the same seed', () => {
    const paths = tree.files.map((f) => f.path);
    assert.deepEqual(paths, [...paths].sort());
    assert.equal(new Set(paths).size, paths.length);
    assert.deepEqual(buildInitialTree(scenario), tree);
    assert.notDeepEqual(buildInitialTree(smallScenario({ seed: 8 })).files.map((f) => f.contentKey), tree.files.map((f) => f.contentKey));
  });

  it('lays branches out as Wikimedia does, sharing unchanged files between them', () => {
    assert.ok(tree.files.some((f) => f.path.startsWith('srv/mediawiki/php-1.45.0-wmf.1/includes/')));
    assert.ok(tree.files.some((f) => f.path.startsWith('srv/mediawiki/php-1.45.0-wmf.2/cache/l10n/l10n_cache-en.cdb')));
    const older = tree.files.filter((f) => f.version === '1.45.0-wmf.1' && f.kind === 'php');
    // By path: a vendored copy shares its source's content key, so keys alone do not say which file changed.
    const newer = new Map(tree.files.filter((f) => f.version === '1.45.0-wmf.2').map((f) => [f.path.replace('1.45.0-wmf.2', '1.45.0-wmf.1'), f.contentKey]));
    const unchanged = (f: { path: string; contentKey: string }): boolean => newer.get(f.path) === f.contentKey;
    const shared = older.filter(unchanged).length / older.length;
    // Branches differ as a weekly train makes them differ: a few percent of files, mostly i18n JSON.
    assert.ok(shared > 0.9 && shared < 1, `share of php unchanged between branches: ${shared}`);
    const json = tree.files.filter((f) => f.version === '1.45.0-wmf.1' && f.kind === 'json');
    const jsonShared = json.filter(unchanged).length / json.length;
    assert.ok(jsonShared < shared, `i18n JSON changes more than PHP: ${jsonShared} vs ${shared}`);
  });

  it('shapes directories like MediaWiki: about 150 languages per i18n folder, a few files per code folder, equal CDBs', () => {
    const perDir = (files: readonly { path: string }[]) => {
      const counts = new Map<string, number>();
      for (const f of files) counts.set(f.path.slice(0, f.path.lastIndexOf('/')), (counts.get(f.path.slice(0, f.path.lastIndexOf('/'))) ?? 0) + 1);
      return [...counts.values()].sort((a, b) => a - b);
    };
    const big = buildInitialTree(smallScenario({ content: { preset: 'mediawiki-single-version', scale: 0.05 } }));
    const i18n = perDir(big.files.filter((f) => f.kind === 'json'));
    const i18nMedian = i18n[Math.floor(i18n.length / 2)] as number;
    assert.ok(i18nMedian >= 100 && i18nMedian <= 220, `i18n files per folder, median ${i18nMedian}`);
    const php = perDir(big.files.filter((f) => f.kind === 'php'));
    const phpMedian = php[Math.floor(php.length / 2)] as number;
    assert.ok(phpMedian >= 2 && phpMedian <= 8, `php files per folder, median ${phpMedian}`);
    assert.ok((php[php.length - 1] as number) > 10 * phpMedian, 'a long tail of big folders');
    const cdb = big.files.filter((f) => f.kind === 'cdb').map((f) => f.bytes);
    assert.ok(Math.max(...cdb) < 1.5 * Math.min(...cdb), 'l10n caches are near-equal in size');
    // Vendored copies: whole files at another path with their source's content key, a few percent of code bytes.
    const code = big.files.filter((f) => f.kind === 'php' || f.kind === 'js' || f.kind === 'css');
    const first = new Map<string, string>();
    let copiedBytes = 0;
    for (const f of code) {
      const source = first.get(`${f.contentKey}:${f.bytes}`);
      if (source === undefined) first.set(`${f.contentKey}:${f.bytes}`, f.path);
      else if (source.slice(source.lastIndexOf('/')) === f.path.slice(f.path.lastIndexOf('/'))) copiedBytes += f.bytes;
    }
    const share = copiedBytes / code.reduce((n, f) => n + f.bytes, 0);
    assert.ok(share > 0.01 && share < 0.06, `vendored copies: ${share} of code bytes`);
    // Style sizes follow the file type: stylesheets far bigger than SVG icons, as in a real tree.
    const styleMedian = (ext: string): number => {
      const sizes = big.files.filter((f) => f.kind === 'css' && f.path.endsWith(ext)).map((f) => f.bytes).sort((a, b) => a - b);
      return sizes[Math.floor(sizes.length / 2)] as number;
    };
    assert.ok(styleMedian('.css') > 2 * styleMedian('.svg'), `css median ${styleMedian('.css')}, svg ${styleMedian('.svg')}`);
  });
});

describe('deploy steps', () => {
  const scenario = smallScenario();
  const initial = buildInitialTree(scenario);
  const [, backport, config, train, l10n] = scenario.deploy;
  assert.ok(backport && config && train && l10n);

  it('a backport changes N php files of the newest branch and removes M', () => {
    const after = applyDeployStep(scenario, initial, backport, 1);
    const before = byPath(initial);
    const changed = after.files.filter((f) => before.get(f.path)?.contentKey !== f.contentKey);
    assert.equal(changed.length, 2);
    assert.ok(changed.every((f) => f.version === '1.45.0-wmf.2' && f.kind === 'php'));
    assert.equal(after.files.length, initial.files.length - 1);
  });

  it('a config step touches only wmf-config', () => {
    const after = applyDeployStep(scenario, initial, config, 2);
    const before = byPath(initial);
    const changed = after.files.filter((f) => before.get(f.path)?.contentKey !== f.contentKey);
    assert.equal(changed.length, 2);
    assert.ok(changed.every((f) => f.path.startsWith('srv/mediawiki/wmf-config/')));
  });

  it('a train drops the oldest branch and adds a new one with a rebuilt l10n cache', () => {
    const after = applyDeployStep(scenario, initial, train, 3);
    assert.deepEqual(after.versions, ['1.45.0-wmf.2', '1.45.0-wmf.3']);
    assert.ok(!after.files.some((f) => f.version === '1.45.0-wmf.1'));
    const incoming = after.files.filter((f) => f.version === '1.45.0-wmf.3');
    assert.equal(incoming.length, initial.files.filter((f) => f.version === '1.45.0-wmf.2').length);
    const oldKeys = new Set(initial.files.map((f) => f.contentKey));
    assert.ok(incoming.filter((f) => f.kind === 'cdb').every((f) => !oldKeys.has(f.contentKey)));
  });

  it('an l10n step rewrites every cdb file of one branch, and its upstream JSON, and nothing else', () => {
    const after = applyDeployStep(scenario, initial, l10n, 4);
    const before = byPath(initial);
    const changed = after.files.filter((f) => before.get(f.path)?.contentKey !== f.contentKey);
    const cdb = initial.files.filter((f) => f.kind === 'cdb' && f.version === '1.45.0-wmf.2');
    assert.equal(changed.length, 2 * cdb.length);
    assert.ok(changed.every((f) => f.component === 'l10n-cache' && f.version === '1.45.0-wmf.2'));
    assert.deepEqual(changed.filter((f) => f.kind === 'cdb').map((f) => f.path), cdb.map((f) => f.path));
  });
});

describe('synthetic tree at the sizes the schema allows', () => {
  it('builds a per-version component of 150k files without overflowing the stack', () => {
    // Spreading 150k entries into push() as arguments threw "Maximum call stack size exceeded".
    const scenario = smallScenario({
      content: { preset: 'empty', versions: 2, components: [{ name: 'many', files: 150_000, size: '150MB', kind: 'php', perVersion: true }] },
    });
    const tree = buildInitialTree(scenario);
    assert.equal(tree.files.length, 300_000);
  });
});
