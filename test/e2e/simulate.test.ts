import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runResultsSchema } from '../../src/report/results.ts';
import { REPO_ROOT, runCli } from './run-cli.ts';

const FLEET = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-fleet.yaml');
const TINY_RUN = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-run.yaml');

describe('shipbench simulate', () => {
  let work = '';
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-simulate-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('writes results.json in the run schema, source simulated, every topology and the volume side', async () => {
    const out = join(work, 'fleet');
    const r = await runCli(['simulate', FLEET, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /per-version@p2p/);
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    assert.equal(results.source, 'simulated');
    assert.equal(results.status, 'completed');
    assert.deepEqual([...new Set(results.steps.map((s) => s.strategy))], ['per-version', 'per-version@cache', 'per-version@p2p', 'volume', 'hybrid']);
    assert.equal(results.samples.length, 5 * 2 * 40);
    assert.match(r.stdout, /hybrid/);
    // The hybrid side: the master's pull and unpack, then the same sync as the volume side.
    for (const step of ['initial', 'backport-1']) {
      const hybrid = results.steps.find((s) => s.strategy === 'hybrid' && s.step === step)!;
      const volume = results.steps.find((s) => s.strategy === 'volume' && s.step === step)!;
      const deploy = hybrid.deploy as { prep: number; sync: number; total: number };
      assert.ok(deploy.prep > 0 && hybrid.registryBytesServed > 0, step);
      assert.ok(Math.abs(deploy.sync - volume.makespanSeconds) < 1e-6 * volume.makespanSeconds, `${step}: ${deploy.sync} vs ${volume.makespanSeconds}`);
    }
    for (const s of results.steps) {
      assert.ok(s.makespanSeconds > 0, `${s.strategy} ${s.step}`);
      assert.ok(s.model !== undefined && s.model.tiers.some((t) => t.egress.points.length > 0));
    }
    const initial = (name: string) => results.steps.find((s) => s.strategy === name && s.step === 'initial')!;
    // 36 of 40 nodes fetch (10% pre-pulled); the cache and P2P spare the registry a copy per node.
    assert.equal(initial('per-version').model!.prePulledNodes, 4);
    assert.ok(initial('per-version@cache').registryBytesServed * 10 < initial('per-version').registryBytesServed);
    assert.ok(initial('per-version@p2p').registryBytesServed * 10 < initial('per-version').registryBytesServed);
  });

  test('releases rolled pod by pod: each one\'s time in results.json, and the ones past helm\'s timeout on the terminal', async () => {
    const out = join(work, 'releases');
    const r = await runCli(['simulate', FLEET, '--out', out, '--set', 'model.topologies=[direct]', '--set', 'model.volume=false', '--set', 'model.rollout.releases=[{name: web, replicas: 200%, maxSurge: 1, maxUnavailable: 1}]', '--set', 'model.rollout.timeout=30s']);
    assert.equal(r.code, 0, r.stderr);
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    const releases = results.steps.find((s) => s.step === 'initial')!.model!.releases!;
    assert.deepEqual(releases.map((x) => [x.release, x.datacentre]), [['web', 'eqiad'], ['web', 'codfw']]);
    // 40 pods in each data centre, two at a time: twenty windows of at least one 10 s readiness period, past 30 s.
    assert.ok(releases.every((x) => x.seconds >= 20 * 10 && x.pastTimeout), JSON.stringify(releases));
    assert.match(r.stdout, /releases rolling past model\.rollout\.timeout/);
    assert.match(r.stdout, /per-version initial: web in \w+ \d+ min/);
  });

  test('a second run of the same content reads the plan the first kept (same results); a stored non-plan is planned again; off plans every time', async () => {
    const base = join(work, 'plans');
    // What the cache did not write is never touched (its pruning removes only its own names).
    await mkdir(join(base, 'keep'), { recursive: true });
    await writeFile(join(base, 'notes.txt'), 'mine');
    // Plans of another version of the code: removed once this code keeps one.
    const stale = join(base, `code-${'0'.repeat(32)}`);
    await mkdir(stale);
    const run = async (name: string, env: Record<string, string>) => {
      const out = join(work, name);
      const r = await runCli(['simulate', FLEET, '--out', out], { env });
      assert.equal(r.code, 0, r.stderr);
      const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
      return { cached: results.phases.find((p) => p.name === 'plan')!.details['cached'], makespans: results.steps.map((s) => s.makespanSeconds) };
    };
    const first = await run('plan-1', { SHIPBENCH_PLAN_CACHE: base });
    const second = await run('plan-2', { SHIPBENCH_PLAN_CACHE: base });
    assert.equal(first.cached, false);
    assert.equal(second.cached, true);
    assert.deepEqual(second.makespans, first.makespans);
    const digests = (await readdir(base)).filter((e) => /^code-[0-9a-f]{32}$/.test(e));
    assert.equal(digests.length, 1, 'one directory for the code that runs');
    const plans = await readdir(join(base, digests[0]!));
    assert.equal(plans.length, 1);
    assert.equal(await readFile(join(base, 'notes.txt'), 'utf8'), 'mine');
    assert.ok((await stat(join(base, 'keep'))).isDirectory());
    await assert.rejects(stat(stale), 'another code version\'s plans are removed');
    // A file there that is not a plan (edited, or another tool's) is not trusted: the run plans again.
    await writeFile(join(base, digests[0]!, plans[0]!), '{"strategies": 1}');
    const third = await run('plan-3', { SHIPBENCH_PLAN_CACHE: base });
    assert.equal(third.cached, false);
    assert.deepEqual(third.makespans, first.makespans);
    const off = await run('plan-off', { SHIPBENCH_PLAN_CACHE: 'off' });
    assert.equal(off.cached, false);
    assert.deepEqual(off.makespans, first.makespans);
  });

  test('an impossible model setting fails validation with a position and exit code 2, writing nothing', async () => {
    const out = join(work, 'bad');
    const r = await runCli(['simulate', join(REPO_ROOT, 'fixtures/scenarios/invalid-model/impossible-fleet.yaml'), '--out', out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /impossible-fleet\.yaml:17:28 model\.rollout\.concurrentDeployments/);
    await assert.rejects(stat(out));
  });

  test('--calibrate takes the rates of a real run and lays simulated beside measured', async () => {
    // A real run of tiny-run.yaml (shipbench run, embedded registry, 3 virtual nodes), kept as a fixture so
    // this test starts no registry of its own (the run tests count registry processes).
    const measured = join(REPO_ROOT, 'fixtures/results/tiny-run-measured.json');
    const out = join(work, 'calibrated');
    const r = await runCli(['simulate', TINY_RUN, '--out', out, '--calibrate', measured]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /calibrated from .*\n[\s\S]*streamBytesPerSecond[\s\S]*mean absolute makespan error: \d/);
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    const c = results.calibration!;
    assert.ok(c.parameters.streamBytesPerSecond! > 0);
    assert.ok(c.parameters.unpackSecondsPerFile !== undefined);
    // Both strategies, both steps: makespan and the p50 and p90 of node time.
    assert.equal(c.rows.length, 2 * 2 * 3);
    assert.deepEqual([...new Set(c.rows.map((r) => r.metric))], ['makespan', 'p50-node', 'p90-node']);
    for (const row of c.rows) assert.equal(row.errorPercent, ((row.simulatedSeconds - row.measuredSeconds) / row.measuredSeconds) * 100);
  });

  test('--calibrate with a file that is not results is refused with a hint', async () => {
    const r = await runCli(['simulate', FLEET, '--out', join(work, 'x'), '--calibrate', FLEET]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not JSON/);
  });
});
