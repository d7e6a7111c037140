import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CALIBRATION_DRAWS } from '../../src/model/calibration-draws.ts';
import { runResultsSchema } from '../../src/report/results.ts';
import { REPO_ROOT, runCli } from './run-cli.ts';

const SCENARIO = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-calibration.yaml');
/** fleet.node.nic in the fixture: 16 Mbit/s. */
const NIC_BYTES_PER_SECOND = 16e6 / 8;

describe('shipbench simulate --calibrate on a real NIC-limited run', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-calibrate-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the fit recovers the nodes\' NIC and the table has every step and strategy', async () => {
    const measured = join(work, 'run');
    const run = await runCli(['run', SCENARIO, '--mechanism', 'image', '--quiet', '--out', measured], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    const out = join(work, 'simulated');
    const r = await runCli(['simulate', SCENARIO, '--out', out, '--calibrate', join(measured, 'results.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /makespan measured[\s\S]*p50-node measured[\s\S]*p90-node measured/);
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    const c = results.calibration!;
    // The link rate read from when each node's downloads ran is the token bucket's rate: a loaded machine
    // only slows a node below it (late timers, request round trips inside the download intervals), so the
    // limit is read from the faster nodes, and the mean the model takes is at most that.
    const limit = c.parameters.nicLimitBytesPerSecond!;
    assert.ok(limit > 0.75 * NIC_BYTES_PER_SECOND && limit < 1.05 * NIC_BYTES_PER_SECOND, `fitted NIC limit ${limit} B/s, configured ${NIC_BYTES_PER_SECOND} B/s`);
    assert.ok(c.parameters.nicBytesPerSecond! <= limit * 1.05);
    for (const key of ['requestSeconds', 'spreadLatency', 'harnessCores', 'harnessOtherLoadCores', 'harnessCpuSecondsPerByteWritten']) assert.ok(c.parameters[key] !== undefined, key);
    const expected = ['monolithic', 'incremental'].flatMap((strategy) => ['initial', 'backport-1'].flatMap((step) => ['makespan', 'p50-node', 'p90-node'].map((metric) => `${strategy} ${step} ${metric}`)));
    assert.deepEqual(c.rows.map((row) => `${row.strategy} ${row.step} ${row.metric}`).sort(), expected.sort());
    for (const row of c.rows) assert.ok(row.measuredSeconds > 0 && row.simulatedSeconds > 0, `${row.strategy} ${row.step} ${row.metric}`);
    assert.equal(c.maxAbsoluteErrorPercent, Math.max(...c.rows.map((row) => Math.abs(row.errorPercent))));
    // The simulated figures are the model's over its draws of the fleet, and the table says so.
    assert.equal(c.simulatedDraws, CALIBRATION_DRAWS);
    assert.match(r.stdout, new RegExp(`over ${CALIBRATION_DRAWS} seeded draws`));
  });
});
