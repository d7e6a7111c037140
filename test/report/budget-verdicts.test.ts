import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { checkBudgets } from '../../src/report/budget-verdicts.ts';
import type { Measurement } from '../../src/report/check-measurements.ts';
import { checkJunit } from '../../src/report/check-junit.ts';
import { checkMarkdown } from '../../src/report/check-markdown.ts';
import { CHECK_SCHEMA_VERSION, type CheckReport } from '../../src/report/check-report.ts';
import { resolveBudgets } from '../../src/scenario/budgets-resolve.ts';

const MiB = 2 ** 20;
const m = (metric: string, value: number, strategy = 'per-version', step = 'initial'): Measurement => ({ metric, strategy, step, value });

describe('budget verdicts', () => {
  const growth = resolveBudgets([{ metric: 'compressed-size', growth: '5%', floor: '10MiB' }]);

  it('growth within the floor holds even above the percentage (small images do not trip on noise)', () => {
    const [v] = checkBudgets(growth, [m('compressed-size', 108 * MiB)], [m('compressed-size', 100 * MiB)], 'b.yaml');
    assert.equal(v?.pass, true);
    assert.equal(v?.before, 100 * MiB);
  });

  it('growth beyond both the percentage and the floor fails, saying what grew and by how much', () => {
    const [v] = checkBudgets(growth, [m('compressed-size', 312 * MiB)], [m('compressed-size', 280 * MiB)], 'b.yaml');
    assert.equal(v?.pass, false);
    assert.match(v?.failures[0] ?? '', /compressed-size of per-version\/initial grew by \+32\.0 MiB \(\+11\.4%\) \(280\.0 MiB -> 312\.0 MiB\); allowed: 5\.00% or 10\.0 MiB, whichever is more = 14\.0 MiB/);
  });

  it('a shrinking figure holds a growth budget', () => {
    const [v] = checkBudgets(growth, [m('compressed-size', 50 * MiB)], [m('compressed-size', 100 * MiB)], 'b.yaml');
    assert.equal(v?.pass, true);
  });

  it('max, min and selectors: one verdict per selected figure', () => {
    const budgets = resolveBudgets([
      { metric: 'deploy-download', step: 'backport', max: '1MiB' },
      { metric: 'efficiency', min: '90%' },
    ]);
    const current = [m('deploy-download', 3 * MiB, 'monolithic', 'backport'), m('deploy-download', 0.5 * MiB, 'incremental', 'backport'), m('deploy-download', 9 * MiB, 'monolithic', 'initial'), m('efficiency', 0.8)];
    const verdicts = checkBudgets(budgets, current, undefined, 'b.yaml');
    assert.deepEqual(verdicts.map((v) => [v.metric, v.strategy, v.step, v.pass]), [
      ['deploy-download', 'monolithic', 'backport', false],
      ['deploy-download', 'incremental', 'backport', true],
      ['efficiency', 'per-version', 'initial', false],
    ]);
    assert.match(verdicts[0]?.failures[0] ?? '', /is 3\.00 MiB, 2\.00 MiB over the max of 1\.00 MiB/);
    assert.match(verdicts[2]?.failures[0] ?? '', /efficiency of per-version\/initial is 80\.0%, 10\.00% under the min of 90\.0%/);
  });

  it('a budget that selects no figure is bad input (exit 2)', () => {
    const budgets = resolveBudgets([{ metric: 'layers', strategy: 'per-versoin', max: 4 }, { metric: 'wasted-bytes', max: 4 }]);
    assert.throws(
      () => checkBudgets(budgets, [m('layers', 3), m('compressed-size', 1)], undefined, 'b.yaml'),
      (error: unknown) =>
        error instanceof ShipbenchError && error.exitCode === 2 && /b\.yaml budgets\.0: layers has no figure for strategy per-versoin \(strategies: per-version/.test(error.message) && /budgets\.1: wasted-bytes is not measured for this source/.test(error.message),
    );
  });

  it('without a baseline a growth budget is not judged, and says so', () => {
    const [v] = checkBudgets(resolveBudgets([{ metric: 'compressed-size', growth: '5%', max: '1GiB' }]), [m('compressed-size', 2 * 2 ** 30)], undefined, 'b.yaml');
    assert.equal(v?.pass, false);
    assert.equal(v?.failures.length, 1);
    assert.match(v?.budget ?? '', /\(no baseline figure: growth not judged\)$/);
  });

  it('a baseline that gives a growth budget no figure at all is bad input (exit 2), naming what was expected and what it holds', () => {
    const two = [m('compressed-size', 300 * MiB, 'monolithic'), m('compressed-size', 200 * MiB, 'incremental')];
    assert.throws(
      () => checkBudgets(growth, two, [m('compressed-size', 100 * MiB, 'mono'), m('compressed-size', 90 * MiB, 'incr')], 'b.yaml', 'main.json'),
      (error: unknown) =>
        error instanceof ShipbenchError && error.exitCode === 2 && error.code === 'baseline-matches-nothing' &&
        /b\.yaml budgets\.0: growth of compressed-size cannot be judged: it expects a figure for monolithic\/initial, incremental\/initial, but main\.json holds compressed-size only for mono\/initial, incr\/initial/.test(error.message),
    );
    assert.throws(
      () => checkBudgets(growth, two, [m('p99-node-seconds', 3)], 'b.yaml', 'run/results.json'),
      /but run\/results\.json holds no compressed-size figure \(only p99-node-seconds\)/,
    );
    // A strategy added since the baseline is not judged; the others are.
    const partly = checkBudgets(growth, two, [m('compressed-size', 290 * MiB, 'monolithic')], 'b.yaml', 'main.json');
    assert.deepEqual(partly.map((v) => v.before), [290 * MiB, undefined]);
  });

  it('one image read two ways (names differ) still finds its baseline', () => {
    const [v] = checkBudgets(growth, [m('compressed-size', 200 * MiB, '', 'docker.io/library/app:v2')], [m('compressed-size', 100 * MiB, '', 'v1')], 'b.yaml');
    assert.equal(v?.before, 100 * MiB);
    assert.equal(v?.pass, false);
  });

  it('Markdown and JUnit show before, after, delta, budget and the verdict', () => {
    const verdicts = checkBudgets(growth, [m('compressed-size', 312 * MiB)], [m('compressed-size', 280 * MiB)], 'b.yaml');
    const report: CheckReport = {
      schema: CHECK_SCHEMA_VERSION,
      source: { kind: 'oci-layout', location: 'images/' },
      baseline: { kind: 'check report', location: 'main.json' },
      passed: false,
      measurements: [],
      verdicts: verdicts.map(({ name: _n, before, failures, ...rest }) => ({ ...rest, failures: [...failures], ...(before === undefined ? {} : { before }) })),
    };
    const md = checkMarkdown(report);
    assert.match(md, /^### shipbench check: 1 of 1 budgets failed$/m);
    assert.match(md, /^\| \*\*FAIL\*\* \| compressed-size \| per-version \/ initial \| 280\.0 MiB \| 312\.0 MiB \| \+32\.0 MiB \(\+11\.4%\) \| grows <= 5\.00% or 10\.0 MiB \|$/m);
    assert.match(md, /^- compressed-size of per-version\/initial grew by/m);
    const xml = checkJunit(report);
    assert.match(xml, /<testsuites name="shipbench check" tests="1" failures="1" errors="0">/);
    assert.match(xml, /<testcase classname="shipbench\.check\.budgets\.0" name="compressed-size per-version\/initial: grows &lt;= 5\.00% or 10\.0 MiB" time="0">/);
    assert.match(xml, /<failure message="compressed-size of per-version\/initial grew by \+32\.0 MiB/);
  });
});
