import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runResultsSchema } from '../../src/report/results.ts';
import { REPO_ROOT, runCli } from './run-cli.ts';

const SCENARIO = join(REPO_ROOT, 'fixtures/scenarios/valid/neighbours.yaml');

describe('run with neighbours: real registry, virtual nodes, an http service and fio beside them', { timeout: 300_000 }, () => {
  let work: string;
  before(async () => {
    // On the repository's disk: the neighbours share the device the nodes write to.
    work = await mkdtemp(join(REPO_ROOT, '.test-run-neighbours-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('measures each neighbour around the selected step only, and keeps the rollout results beside them', async () => {
    const out = join(work, 'out');
    const result = await runCli(['run', SCENARIO, '--out', out], { cwd: work, timeoutMs: 240_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /neighbours: baseline 2 s/);
    assert.match(result.stdout, /neighbours \(latency from intended send time.*~ = not significant at 0\.01 or under 5\.00%\)/);
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    assert.equal(results.status, 'completed');
    // Both deploy steps, on the image side and on the volume (rsync) side, which run measures by default.
    assert.equal(results.steps.filter((s) => s.strategy !== 'volume').length, 2, 'both deploy steps rolled out');
    assert.equal(results.steps.filter((s) => s.strategy === 'volume').length, 2, 'and were synced with rsync');
    const section = results.neighbours;
    assert.ok(section);
    assert.equal(section.minEffect, 0.05, "the scenario's minimum effect is recorded beside alpha");
    assert.deepEqual(section.workloads.map((w) => [w.name, w.kind]), [['http', 'http'], ['disk', 'fio']]);
    assert.ok((section.workloads[0]?.probe?.requestsPerSecond ?? 0) > 0, 'autocannon probed the service');
    assert.match(results.environment.tools.fio ?? '', /^fio-/);
    // steps: [initial], strategies: [monolithic]: one record per neighbour.
    assert.deepEqual(section.steps.map((s) => `${s.neighbour} ${s.strategy} ${s.step} ${s.status}`), ['disk monolithic initial measured', 'http monolithic initial measured']);
    for (const s of section.steps) {
      assert.ok(s.phases.baseline.seconds > 1.9 && s.phases.recovery.seconds > 1.4);
      assert.ok(s.phases.baseline.operations > 0 && s.phases.contention.operations > 0 && s.phases.recovery.operations > 0);
      // The rollout window sits between baseline and recovery on the run's clock, as charts shade it.
      assert.ok(Math.abs(s.phases.baseline.startSeconds + s.phases.baseline.seconds - s.phases.contention.startSeconds) < 0.01);
      assert.equal(s.series.tMs.length, s.series.latencyUs.length);
      assert.ok(s.series.tMs.length > 0);
    }
    // The report draws the neighbours: latency around each rollout, and p99 per strategy.
    const charts = await readdir(join(out, 'charts'));
    for (const name of ['neighbour-latency', 'neighbour-p99']) {
      assert.ok(charts.includes(`${name}.svg`) && charts.includes(`${name}.png`), `${name} chart written`);
      assert.match(await readFile(join(out, 'charts', `${name}.svg`), 'utf8'), /<path|<rect/, `${name} has data marks`);
    }
    // CI can hold the neighbours' slow-down to a budget: a generous one holds, an impossible one fails (exit 3).
    const budgets = join(work, 'neighbour-budgets.yaml');
    await writeFile(budgets, 'budgets:\n  - { metric: neighbour-p99-slowdown, strategy: monolithic, max: 1000x }\n');
    const holds = await runCli(['check', join(out, 'results.json'), '--budgets', budgets], { cwd: work });
    assert.equal(holds.code, 0, holds.stdout + holds.stderr);
    assert.match(holds.stdout, /neighbour-p99-slowdown/);
    await writeFile(budgets, 'budgets:\n  - { metric: neighbour-p99-slowdown, strategy: monolithic, max: 0x }\n');
    const fails = await runCli(['check', join(out, 'results.json'), '--budgets', budgets], { cwd: work });
    assert.equal(fails.code, 3, fails.stdout + fails.stderr);
    // Neighbour processes and files are gone.
    assert.deepEqual((await readdir(out)).filter((f) => f.startsWith('.')), ['.shipbench-out'], 'only the output marker: no .neighbours, .nodes or .volume left');
  });
});
