import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, runCli } from './run-cli.ts';

const GOLDEN = join(REPO_ROOT, 'fixtures/reports/tiny-run.json');

describe('report and compare commands', { timeout: 180_000 }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-report-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('report re-renders chosen formats into --out without re-running', async () => {
    const out = join(work, 'md-csv');
    const r = await runCli(['report', GOLDEN, '--format', 'md', '--format', 'csv', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await readdir(out)).sort(), ['.shipbench-out', 'report.md', 'samples.csv'], 'the reports, in a directory marked as shipbench\'s');
    assert.equal(await readFile(join(out, 'report.md'), 'utf8'), await readFile(join(REPO_ROOT, 'fixtures/reports/tiny-run/report.md'), 'utf8'));
  });

  it('compare of a run with itself: every difference is ~, exit 0; html is one page', async () => {
    const text = await runCli(['compare', GOLDEN, GOLDEN]);
    assert.equal(text.code, 0, text.stderr);
    const rows = text.stdout.split('\n').filter((l) => /node time|downloaded per node/.test(l));
    assert.equal(rows.length, 8);
    assert.ok(rows.every((l) => /│ +~ +│/.test(l)), text.stdout);
    const html = await runCli(['compare', GOLDEN, GOLDEN, '--format', 'html', '--test', 'welch']);
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stdout, /^<!doctype html>/);
    assert.match(html.stdout, /Welch/);
  });

  it('refuses bad input with exit 2 and a hint, never a stack trace', async () => {
    const notJson = join(work, 'torn.json');
    await writeFile(notJson, '{"schema": "shipbench/res');
    const oldVersion = join(work, 'old.json');
    await writeFile(oldVersion, JSON.stringify({ schema: 'shipbench/results/0' }));
    const cases: Array<[string[], RegExp]> = [
      [['report', join(work, 'missing.json')], /cannot read results file .*missing\.json \(no such file\)/],
      [['report', join(REPO_ROOT, 'package.json')], /is not a shipbench results file/],
      [['compare', GOLDEN, notJson], /torn\.json is not JSON/],
      [['compare', oldVersion, GOLDEN], /has results schema shipbench\/results\/0; this shipbench reads shipbench\/results\/1/],
      [['compare', GOLDEN, GOLDEN, '--alpha', '2'], /--alpha must be between 0 and 1/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /hint: /);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    }
  });
});
