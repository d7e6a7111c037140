import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SweepPointPool } from '../../src/cli/sweep-point-pool.ts';
import { sweepResultsSchema } from '../../src/report/sweep-results.ts';
import { processAlive } from '../support/live-processes.ts';
import { CLI_BIN, REPO_ROOT, runCli } from './run-cli.ts';

// One registry replica far slower than the nodes' NICs: N nodes take N x image / egress.
const LINE = join(REPO_ROOT, 'fixtures/scenarios/valid/sweep-line.yaml');

describe('shipbench simulate --sweep', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-sweep-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('a registry-bound fleet gives makespan proportional to nodes, and the target search finds where the line crosses the target', async () => {
    const out = join(work, 'line');
    // A dozen points: on a loaded machine they take a while.
    const r = await runCli(['simulate', LINE, '--sweep', 'fleet.nodes=10..160x4', '--target', 'makespan<=50s', '--out', out], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    const sweep = sweepResultsSchema.parse(JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')));
    assert.equal(sweep.status, 'completed');
    const grid = sweep.points.filter((p) => !p.probe).sort((a, b) => Number(a.values['fleet.nodes']) - Number(b.values['fleet.nodes']));
    assert.deepEqual(grid.map((p) => p.values['fleet.nodes']), [10, 40, 160]);
    const makespan = grid.map((p) => p.figures.find((f) => f.strategy === 'monolithic')!.makespanSeconds);
    const perNode = makespan[0]! / 10;
    for (const [i, n] of [10, 40, 160].entries()) {
      assert.ok(Math.abs(makespan[i]! / (perNode * n) - 1) < 0.1, `${n} nodes: ${makespan[i]} s against ${perNode * n} s on the line`);
    }
    // The closed form says the largest fleet within 50 s holds 50 / perNode nodes.
    const answer = sweep.target?.answers.find((a) => a.strategy === 'monolithic');
    assert.equal(answer?.kind, 'largest');
    assert.ok(Math.abs(answer!.value! - 50 / perNode) <= Math.max(1, 0.1 * (50 / perNode)), `found ${answer?.value}, the line says ${50 / perNode}`);
    assert.equal(answer?.bottleneck, 'registry egress', 'the model names what bounds the fleet there');
    for (const file of ['sweep.md', 'sweep.html', 'sweep.csv', 'points/000/results.json']) assert.ok((await stat(join(out, file))).size > 0, file);
    assert.match(r.stdout, /## Answer[\s\S]*monolithic \| fleet\.nodes = \d+ or less/);
  });

  test('bad sweep keys and values stop with exit 2 at their column in the command line, before any point runs', async () => {
    const out = join(work, 'bad');
    // Each is refused before it writes anything: the four run side by side, judged one by one, and nothing may
    // be under --out once all have exited.
    const [key, value, range, target] = await Promise.all([
      runCli(['simulate', LINE, '--sweep', 'fleet.nodez=1,2', '--out', out]),
      runCli(['simulate', LINE, '--sweep', 'fleet.nodes=10,lots', '--out', out]),
      runCli(['simulate', LINE, '--sweep', 'fleet.nodes=80..10', '--out', out]),
      runCli(['simulate', LINE, '--sweep', 'fleet.nodes=10,20', '--target', 'speed<=1s', '--out', out]),
    ]);
    assert.equal(key.code, 2, key.stderr);
    const col = 'shipbench simulate '.length + LINE.length + ' --sweep '.length + 1;
    assert.match(key.stderr, new RegExp(`^command line:1:${col} fleet\\.nodez: `, 'm'));
    assert.equal(value.code, 2, value.stderr);
    assert.match(value.stderr, new RegExp(`^command line:1:${col + 'fleet.nodes='.length} fleet\\.nodes: .*\\(at fleet\\.nodes=lots\\)`, 'm'));
    assert.equal(range.code, 2);
    assert.match(range.stderr, /does not go up/);
    assert.equal(target.code, 2);
    assert.match(target.stderr, /unknown target metric "speed"/);
    assert.equal(await stat(out).catch(() => undefined), undefined, 'nothing written');
  });

  describe('sweep workers: many points in one real shipbench process', () => {
    test('points run one after another in the same worker, each as its command line would; a failing point says why', async () => {
      const pool = new SweepPointPool({}, CLI_BIN);
      try {
        const first = await pool.run(['simulate', LINE, '--out', join(work, 'a'), '--set', 'fleet.nodes=10']);
        assert.equal(first.exitCode, 0, first.output);
        const [worker] = pool.pids;
        const second = await pool.run(['simulate', LINE, '--out', join(work, 'b'), '--set', 'fleet.nodes=20']);
        assert.equal(second.exitCode, 0, second.output);
        assert.deepEqual(pool.pids, [worker], 'the second point ran in the first point’s process');
        const nodes = async (dir: string) => (JSON.parse(await readFile(join(work, dir, 'results.json'), 'utf8')) as { steps: Array<{ nodes: number }> }).steps[0]!.nodes;
        assert.deepEqual([await nodes('a'), await nodes('b')], [10, 20], 'each point read its own --set');
        const bad = await pool.run(['simulate', join(work, 'missing.yaml'), '--out', join(work, 'c')]);
        assert.equal(bad.exitCode, 2);
        assert.match(bad.output, /missing\.yaml/);
        assert.deepEqual(pool.pids, [worker], 'a point that fails leaves its worker serving');
      } finally {
        await pool.close();
      }
    });

    test('a worker that dies fails its point only; the next point gets a fresh worker, and close ends them all', async () => {
      const pool = new SweepPointPool({}, CLI_BIN);
      const pending = pool.run(['simulate', LINE, '--out', join(work, 'killed')]);
      const [victim] = pool.pids;
      assert.ok(victim !== undefined);
      process.kill(victim, 'SIGKILL');
      const killed = await pending;
      assert.equal(killed.exitCode, undefined);
      assert.equal(killed.died, 'SIGKILL');
      const next = await pool.run(['simulate', LINE, '--out', join(work, 'after'), '--set', 'fleet.nodes=10']);
      assert.equal(next.exitCode, 0, next.output);
      const [fresh] = pool.pids;
      assert.ok(fresh !== undefined && fresh !== victim);
      await pool.close();
      assert.deepEqual(pool.pids, []);
      assert.equal(processAlive(fresh), false);
    });
  });
});
