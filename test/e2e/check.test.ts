import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { skopeo } from '../support/peer-tools.ts';
import { htpasswdFile } from '../support/registry-process.ts';
import { buildUmociImage } from '../support/umoci-images.ts';
import { REPO_ROOT, runCli } from './run-cli.ts';

const RESULTS = 'fixtures/results/tiny-run.json';

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^ {4}at /m, `stderr has a stack trace:\n${stderr}`);
}

describe('shipbench check', { timeout: 240_000 }, () => {
  let work: string;
  let archive: string;
  let layout: string;
  let registry: EmbeddedRegistry;
  const budgets = async (name: string, text: string) => {
    const file = join(work, name);
    await writeFile(file, text);
    return file;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-check-'));
    layout = join(work, 'oci');
    archive = join(work, 'app.tar');
    const file = await htpasswdFile(work, 'ci', 's3cret');
    [registry] = await Promise.all([
      startEmbeddedRegistry({ auth: { htpasswd: { file } } }),
      buildUmociImage(layout, [
        { tag: 'v1', changes: [{ write: 'srv/app/code.php', bytes: 20_000 }, { write: 'srv/app/big.bin', bytes: 50_000 }] },
        { tag: 'v2', changes: [{ write: 'srv/app/code.php', bytes: 21_000 }, { remove: 'srv/app/big.bin' }] },
      ]),
    ]);
    await skopeo('copy', '-q', `oci:${layout}:v2`, `docker-archive:${archive}:check/app:v2`);
    const host = new URL(registry.url).host;
    await skopeo('copy', '-q', '--dest-tls-verify=false', '--dest-creds', 'ci:s3cret', `oci:${layout}:v1`, `docker://${host}/check/app:v1`);
  });
  after(async () => {
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('a docker-archive over its waste budget exits 3 and says what grew and by how much', async () => {
    const file = await budgets('waste.yaml', 'budgets:\n  - { metric: wasted-bytes, max: 40KiB }\n  - { metric: layers, max: 5 }\n');
    const md = join(work, 'comment.md');
    const junit = join(work, 'junit.xml');
    const { code, stdout, stderr } = await runCli(['check', archive, '--budgets', file, '--markdown', md, '--junit', junit]);
    assert.equal(code, 3, stderr);
    // 20,000 (old code.php) + 50,000 (deleted big.bin) = 70,000 bytes shipped and never seen.
    assert.match(stdout, /wasted-bytes of \S*check\/app:v2 is 68\.4 KiB, 28\.4 KiB over the max of 40\.0 KiB/);
    assert.match(stdout, /^1 of 2 budgets failed:$/m);
    assert.match(await readFile(md, 'utf8'), /^\| \*\*FAIL\*\* \| wasted-bytes \| \S*check\/app:v2 \| - \| 68\.4 KiB \| - \| <= 40\.0 KiB \|$/m);
    assert.match(await readFile(junit, 'utf8'), /<testsuites name="shipbench check" tests="2" failures="1" errors="0">/);
  });

  it('a registry image (basic auth from the environment) saved as a baseline; the grown archive fails its growth budget; wrong credentials exit 2', async () => {
    const file = await budgets('growth.yaml', 'budgets:\n  - { metric: uncompressed-size, growth: 1%, floor: 1KiB }\n');
    const ref = `http://${new URL(registry.url).host}/check/app:v1`;
    const env = { SHIPBENCH_REGISTRY_USERNAME: 'ci', SHIPBENCH_REGISTRY_PASSWORD: 's3cret' };
    // v1 against itself: no growth; its figures saved as JSON become the next baseline.
    const json = join(work, 'v1.json');
    // The wrong credentials' check only reads the registry: it runs beside v1's (judged below, as before).
    const [same, denied] = await Promise.all([
      runCli(['check', ref, '--budgets', file, '--baseline', ref, '--json', json], { env }),
      runCli(['check', ref, '--budgets', file], { env: { SHIPBENCH_REGISTRY_USERNAME: 'ci', SHIPBENCH_REGISTRY_PASSWORD: 'wrong' } }),
    ]);
    assert.equal(same.code, 0, same.stderr);
    const report = JSON.parse(await readFile(json, 'utf8')) as { verdicts: Array<{ before: number; after: number; pass: boolean }> };
    assert.equal(report.verdicts[0]?.before, report.verdicts[0]?.after);
    // v2 (a bigger code.php plus a whiteout layer) against v1's saved figures: it grew by more than 1 KiB.
    const grown = await runCli(['check', archive, '--budgets', file, '--baseline', json]);
    assert.equal(grown.code, 3, grown.stderr);
    assert.match(grown.stdout, /uncompressed-size of \S+ grew by \+[\d.]+ KiB \(\+[\d.]+%\)/);
    assert.equal(denied.code, 2, denied.stderr);
    assertNoStack(denied.stderr);
  });

  it('a scenario checks against its own budgets: section', async () => {
    // The fixture on a 5 MiB tree instead of 13 MiB: its budgets hold with wide margins at either size (1.65 MiB
    // images, a 1.72 KiB incremental backport, 99.9% efficient), and the check generates less.
    const fixture = await readFile(join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-budgets.yaml'), 'utf8');
    const scenario = join(work, 'tiny-budgets.yaml');
    await writeFile(scenario, fixture.replace('scale: 0.0013', 'scale: 0.0005'));
    assert.match(await readFile(scenario, 'utf8'), /scale: 0\.0005/);
    const { code, stdout, stderr } = await runCli(['check', scenario, '--out', join(work, 'gen')], { timeoutMs: 120_000 });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /deploy-download .* incremental \/ backport-1 .* <= 1\.00 MiB/);
    assert.match(stdout, /^all 9 budgets hold$/m);
  });

  it('thresholds on results: p99, makespan, registry egress, failed nodes', async () => {
    const file = await budgets('tight.yaml', 'budgets:\n  - { metric: makespan-seconds, strategy: incremental, step: initial, max: 1s }\n');
    // Commands that only read their inputs run side by side here and below; each is judged on its own.
    const [ok, tight] = await Promise.all([runCli(['check', RESULTS, '--budgets', 'fixtures/budgets/valid/results.yaml']), runCli(['check', RESULTS, '--budgets', file])]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(tight.code, 3, tight.stderr);
    assert.match(tight.stdout, /makespan-seconds of incremental\/initial is [\d.]+ s, [\d.]+ s over the max of 1\.00 s/);
  });

  it('a baseline that matches no growth budget exits 2 naming what was expected and what it holds; min above max exits 2', async () => {
    const file = await budgets('p99-growth.yaml', 'budgets:\n  - { metric: p99-node-seconds, growth: 10% }\n');
    // An image as the baseline of results: today every growth budget was silently "not judged", exit 0.
    const [wrong, same, inverted] = await Promise.all([
      runCli(['check', RESULTS, '--budgets', file, '--baseline', archive]),
      runCli(['check', RESULTS, '--budgets', file, '--baseline', RESULTS]),
      runCli(['check', RESULTS, '--budgets', 'fixtures/budgets/invalid/min-above-max.yaml']),
    ]);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.equal(wrong.stdout, '');
    assert.match(wrong.stderr, /growth of p99-node-seconds cannot be judged: it expects a figure for monolithic\/initial, .* but \S+app\.tar holds no p99-node-seconds figure \(only compressed-size, /);
    assertNoStack(wrong.stderr);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(inverted.code, 2, inverted.stderr);
    assert.match(inverted.stderr, /min-above-max\.yaml:3:38 budgets\.0\.min: min 2m is above max 30s: no p99-node-seconds can hold to both\n {4}hint: swap them/);
  });

  it('bad budgets exit 2 with file:line:col, before reading the source', async () => {
    const [{ code, stdout, stderr }, unknown] = await Promise.all([
      runCli(['check', RESULTS, '--budgets', 'fixtures/budgets/invalid/bad-limits.yaml']),
      runCli(['check', RESULTS, '--budgets', 'fixtures/budgets/invalid/unknown-metric.yaml']),
    ]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^fixtures\/budgets\/invalid\/bad-limits\.yaml:2:37 budgets\.0\.max: compressed-size is in bytes: "30s" is not a size$/m);
    assert.match(stderr, /^fixtures\/budgets\/invalid\/bad-limits\.yaml: 5 problems; nothing was checked$/m);
    assertNoStack(stderr);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown-metric\.yaml:2:13 budgets\.0\.metric: .*\n {4}hint: did you mean "compressed-size"\?/);
  });

  it('every invalid budgets fixture exits 2 pointing at FILE:LINE:COL', async () => {
    const files = readdirSync(join(REPO_ROOT, 'fixtures/budgets/invalid')).map((name) => `fixtures/budgets/invalid/${name}`);
    const runs = await Promise.all(files.map((file) => runCli(['check', RESULTS, '--budgets', file])));
    for (const [i, file] of files.entries()) {
      const { code, stdout, stderr } = runs[i] as (typeof runs)[number];
      assert.equal(code, 2, `${file}: ${stderr}`);
      assert.equal(stdout, '');
      assert.match(stderr, new RegExp(`^${file.replace(/\./g, '\\.')}:\\d+:\\d+ `, 'm'));
      assertNoStack(stderr);
    }
  });

  it('a budget that matches no figure, a missing source and an image budget on results exit 2', async () => {
    const typo = await budgets('typo.yaml', 'budgets:\n  - { metric: p99-node-seconds, strategy: incremantal, max: 1m }\n  - { metric: layers, max: 3 }\n');
    const [{ code, stderr }, missing, notTar] = await Promise.all([
      runCli(['check', RESULTS, '--budgets', typo]),
      runCli(['check', join(work, 'nope.tar'), '--budgets', typo]),
      runCli(['check', 'README.md', '--budgets', typo]),
    ]);
    assert.equal(code, 2);
    assert.match(stderr, /budgets\.0: p99-node-seconds has no figure for strategy incremantal \(strategies: monolithic, incremental;/);
    assert.match(stderr, /budgets\.1: layers is not measured for this source \(it comes from images\)/);
    assertNoStack(stderr);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.tar \(ENOENT\)/);
    assert.equal(notTar.code, 2);
    assert.match(notTar.stderr, /README\.md (is not a readable tar archive|holds no manifest\.json)/);
    assertNoStack(notTar.stderr);
  });
});
