import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { contentionBetween, type ContentionSnapshot } from '../../src/metrics/contention-counters.ts';
import { CpuIsolation, descendantsOf, parseCpuList, splitCpus } from '../../src/neighbours/cpu-isolation.ts';
import { NeighbourSession } from '../../src/neighbours/neighbour-session.ts';
import { resolveNeighbours } from '../../src/scenario/neighbours-resolve.ts';
import { PressureGroups } from '../../src/neighbours/pressure-groups.ts';
import { neighbourAttribution } from '../../src/stats/neighbour-attribution.ts';
import { ownerTagPrefix } from '../../src/core/owner-tag.ts';

test('cpu lists parse as the kernel writes them, and the neighbours get a quarter of the cores, at least one', () => {
  assert.deepEqual(parseCpuList('0-3,6,8-9\n'), [0, 1, 2, 3, 6, 8, 9]);
  assert.deepEqual(splitCpus([0, 1]), { neighbours: [1], harness: [0] });
  assert.deepEqual(splitCpus([0, 1, 2, 3, 4, 5, 6, 7]), { neighbours: [6, 7], harness: [0, 1, 2, 3, 4, 5] });
});

test('shared asked for: no cgroups, and the note says so', () => {
  const { isolation, outcome } = CpuIsolation.create('shared');
  assert.equal(isolation, undefined);
  assert.equal(outcome.mode, 'shared');
  assert.match(outcome.note, /neighbours\.isolation: shared/);
});

const snapshot = (epochMs: number, cpuWaitMs: number, ioStallMs: number, cpuStallMs: number): ContentionSnapshot => ({
  epochMs,
  cpuRunNs: 0,
  cpuWaitNs: cpuWaitMs * 1e6,
  ioWaitTicks: null,
  disk: { ios: epochMs, ioMs: epochMs * 2, busyMs: epochMs / 2, weightedMs: epochMs * 3 },
  stalls: { cpuUs: cpuStallMs * 1000, ioUs: ioStallMs * 1000 },
});

test('attribution: waits per operation from PSI stalls, the rest is service, and the larger added wait is the cause', () => {
  // 1 s of baseline, 1 s of rollout, 100 operations each: baseline 1 ms (0.1 cpu, 0.2 io), rollout 5 ms (0.5 cpu, 3.2 io).
  const [a, b, c, d] = [snapshot(0, 0, 0, 0), snapshot(1000, 50, 20, 10), snapshot(2000, 100, 340, 60), snapshot(3000, 100, 340, 60)];
  const counters = { baseline: contentionBetween(a, b), contention: contentionBetween(b, c), recovery: contentionBetween(c, d) };
  assert.equal(counters.baseline.disk?.latencyMs, 2);
  assert.equal(counters.baseline.disk?.queueDepth, 3);
  const ops = [...Array.from({ length: 100 }, (_, i) => ({ startEpochMs: i * 10, latencyMs: 1, ok: true })), ...Array.from({ length: 100 }, (_, i) => ({ startEpochMs: 1000 + i * 10, latencyMs: 5, ok: true }))];
  const windows = { baseline: { startEpochMs: 0, endEpochMs: 1000 }, contention: { startEpochMs: 1000, endEpochMs: 2000 }, recovery: { startEpochMs: 2000, endEpochMs: 3000 } };
  const at = neighbourAttribution(ops, windows, counters, true);
  const r = at.phases.contention;
  assert.ok(Math.abs((r.cpuWaitMsPerOp ?? 0) - 0.5) < 1e-9 && Math.abs((r.ioWaitMsPerOp ?? 0) - 3.2) < 1e-9 && Math.abs((r.serviceMsPerOp ?? 0) - 1.3) < 1e-9, JSON.stringify(r));
  assert.equal(r.runQueueWaitMsPerOp, 0.5);
  assert.equal(at.slowdown.cause, 'io-wait');
  assert.ok(Math.abs((at.slowdown.cpuWaitShare ?? 0) - 0.4 / 3.4) < 1e-9);
  assert.equal(neighbourAttribution(ops, windows, counters, false).slowdown.cause, 'none', 'no cause for a slow-down that is not significant');
});

const groupsOf = (pid: number) =>
  ['/sys/fs/cgroup/cpuset', '/sys/fs/cgroup', '/sys/fs/cgroup/unified'].flatMap((root) => {
    try {
      return readdirSync(root).filter((n) => n.startsWith(`shipbench-${ownerTagPrefix(pid)}`)).map((n) => join(root, n));
    } catch {
      return [];
    }
  });

for (const end of ['crash', 'SIGTERM', 'SIGKILL'] as const) {
  test(`the cgroups are removed when the harness ends by ${end === 'crash' ? 'an uncaught error' : end}`, async (t) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'cpu-isolation-child.ts'), end === 'crash' ? 'crash' : 'wait'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const line = await new Promise<string | undefined>((resolve) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => resolve(undefined));
    });
    if (line?.startsWith('shared') === true) return t.skip(`no cpuset isolation here: ${line}`);
    assert.match(line ?? '', /^isolated \d+$/);
    const sleeper = Number(line?.split(' ')[1]);
    const pid = child.pid as number;
    assert.ok(groupsOf(pid).length > 0, 'the child made its groups');
    assert.match(readFileSync(`/proc/${sleeper}/cgroup`, 'utf8'), /shipbench-/, 'the neighbour runs in them');
    if (end === 'crash') child.stdin.write('now\n');
    else child.kill(end);
    await exited;
    if (end === 'SIGKILL') {
      // Nothing of the child ran: the next run's isolation sweeps the dead owner's groups.
      const next = CpuIsolation.create('cpuset');
      PressureGroups.create(next.isolation?.neighboursV2Dir)?.close();
      next.isolation?.close();
    }
    for (let i = 0; i < 40 && groupsOf(pid).length > 0; i++) await sleep(50);
    assert.deepEqual(groupsOf(pid), []);
    try {
      process.kill(sleeper, 'SIGKILL');
    } catch {
      // it may have gone with its group
    }
  });
}

test('a session pins the harness and every process it started (an engine stand-in, before and after the neighbours started) apart from the neighbour', async (t) => {
  const dir = await mkdtemp(join(process.cwd(), '.test-cpu-isolation-'));
  const before = spawn('sleep', ['600'], { stdio: 'ignore' });
  const neighbours = resolveNeighbours({ baseline: '250ms', recovery: '250ms', workloads: [{ fio: { rateIops: 20, size: '4MiB' } }] });
  assert.ok(neighbours);
  const session = await NeighbourSession.start({ neighbours, workDir: join(dir, 'n'), onRecord: async () => undefined });
  const engine = spawn('sleep', ['600'], { stdio: 'ignore' });
  const cpusetOf = (pid: number) => /:cpuset:(.*)/.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '';
  try {
    if (session.isolationOutcome.mode !== 'cpuset') return t.skip(`no cpuset isolation here: ${session.isolationOutcome.note}`);
    let seen: { fio: string; harness: string[] } | undefined;
    await session.aroundStep({ strategy: 't', step: 's', repeat: 0, warmup: false }, async () => {
      const fio = descendantsOf(process.pid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('fio'));
      assert.ok(fio !== undefined, 'fio runs');
      seen = { fio: cpusetOf(fio), harness: [process.pid, before.pid as number, engine.pid as number].map(cpusetOf) };
    });
    assert.ok(seen);
    assert.match(seen.fio, /^\/shipbench-[0-9a-z]{7}\/neighbours$/);
    for (const group of seen.harness) assert.match(group, /^\/shipbench-[0-9a-z]{7}\/harness$/);
  } finally {
    await session.stop();
    before.kill();
    engine.kill();
    await rm(dir, { recursive: true, force: true });
  }
  assert.doesNotMatch(cpusetOf(process.pid), /shipbench-/, 'back where it started');
});
