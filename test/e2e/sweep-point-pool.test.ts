import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SweepPointPool } from '../../src/cli/sweep-point-pool.ts';
import { processAlive } from '../support/live-processes.ts';
import { CLI_BIN, REPO_ROOT } from './run-cli.ts';

const LINE = join(REPO_ROOT, 'fixtures/scenarios/valid/sweep-line.yaml');

describe('sweep workers: many points in one real shipbench process', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-sweep-pool-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

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
