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
    const [text, html] = await Promise.all([runCli(['compare', GOLDEN, GOLDEN]), runCli(['compare', GOLDEN, GOLDEN, '--format', 'html', '--test', 'welch'])]);
    assert.equal(text.code, 0, text.stderr);
    const rows = text.stdout.split('\n').filter((l) => /node time|downloaded per node/.test(l));
    assert.equal(rows.length, 8);
    assert.ok(rows.every((l) => /│ +~ +│/.test(l)), text.stdout);
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stdout, /^<!doctype html>/);
    assert.match(html.stdout, /Welch/);
  });

  it('compare of a simulated run with a measured one, or of two scenarios, warns at the top of every format', async () => {
    const golden = JSON.parse(await readFile(GOLDEN, 'utf8')) as { source: string; scenario: { name: string; seed: string } };
    const simulated = join(work, 'simulated.json');
    await writeFile(simulated, JSON.stringify({ ...golden, source: 'simulated' }));
    const other = join(work, 'other.json');
    await writeFile(other, JSON.stringify({ ...golden, scenario: { ...golden.scenario, name: 'other', seed: '9' } }));

    // compare only reads its two files and writes to stdout: the five run side by side, each judged on its own.
    const [text, md, html, json, same] = await Promise.all([
      runCli(['compare', GOLDEN, simulated]),
      runCli(['compare', other, GOLDEN, '--format', 'md']),
      runCli(['compare', GOLDEN, simulated, '--format', 'html']),
      runCli(['compare', other, simulated, '--format', 'json']),
      runCli(['compare', GOLDEN, GOLDEN, '--format', 'json']),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^WARNING: A is measured and B is simulated: /);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# shipbench comparison\n\n> \*\*Warning:\*\* A and B are different scenarios \(name "other" vs "tiny-run"; seed 9 vs 5\)/);
    assert.match(md.stderr, /^warning: A and B are different scenarios/m);
    assert.match(html.stdout, /<h1>shipbench comparison<\/h1>\n<div class="warning"><strong>Warning:<\/strong> A is measured and B is simulated/);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { warnings: Array<{ kind: string }>; rows: unknown[] };
    assert.deepEqual(parsed.warnings.map((w) => w.kind), ['simulated-vs-measured', 'different-scenarios']);
    // 2 strategies x 2 steps x (node time, downloaded per node, deploy-total-seconds).
    assert.equal(parsed.rows.length, 12);
    // The same scenario, measured twice: no warning.
    assert.deepEqual((JSON.parse(same.stdout) as { warnings: unknown[] }).warnings, []);
    assert.equal(same.stderr, '');
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
    // Each refusal only reads its inputs: they run side by side and are judged one by one.
    const refusals = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = refusals[i]!;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /hint: /);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    }
  });
});
