import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { gzip } from 'node:zlib';
import { epochNowMs } from '../../src/metrics/neighbour-operation.ts';
import { blockDeviceFor } from '../../src/metrics/block-device.ts';
import { NeighbourSession, type NeighbourStepRecord } from '../../src/neighbours/neighbour-session.ts';
import type { IsolationOutcome } from '../../src/neighbours/cpu-isolation.ts';
import { resolveNeighbours } from '../../src/scenario/neighbours-resolve.ts';
import { type NeighbourAttribution, neighbourAttribution } from '../../src/stats/neighbour-attribution.ts';
import { type NeighbourImpact, neighbourImpact } from '../../src/stats/neighbour-impact.ts';
import { ownerTagPrefix } from '../../src/core/owner-tag.ts';

// The judge of issue 21: the http and fio neighbours beside one small rollout, once sharing the CPUs with
// the harness and once on their own core. The rollout is what virtual nodes do, in the harness: gunzip-class
// CPU work on libuv's threads (here: compressing, so it needs no registry) and in two child processes (as
// rsync clients are), and writes to the shared disk. The writes stand for the kernel's writeback of a
// node's files, which flusher threads do outside any of our cgroups: the writer runs in the cpuset this
// test started in, so a starved harness core does not thin the disk load. Isolation must take the CPU
// wait the rollout adds away while the disk contention, which a real node would cause too, stays.

const ROLLOUT_SECONDS = 3;
const gzipAsync = promisify(gzip);
let dir: string;
let device: string | undefined;
const runs = new Map<'shared' | 'cpuset', { outcome: IsolationOutcome; figures: Map<string, { impact: NeighbourImpact; attribution: NeighbourAttribution }>; load: number }>();

const CPUSET_HOME = /:cpuset:(.*)/.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];

/** Harness CPU on every core it may use (four zlib jobs on the thread pool, two busy children) and a disk writer beside it. */
async function rollout(workDir: string): Promise<void> {
  const burners = [0, 1].map(() => spawn(process.execPath, ['-e', `const end = Date.now() + ${ROLLOUT_SECONDS * 1000}; while (Date.now() < end);`], { stdio: 'ignore' }));
  const burnt = burners.map((b) => new Promise<void>((resolve) => b.on('exit', () => resolve())));
  const writer = new Promise<void>((resolve, reject) => {
    const child = spawn(
      'fio',
      ['--name=rollout-writes', `--directory=${workDir}`, '--rw=write', '--bs=1M', '--size=128M', '--direct=1', '--ioengine=libaio', '--iodepth=32', '--time_based', `--runtime=${ROLLOUT_SECONDS}s`, '--output=/dev/null'],
      { stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('exit', () => resolve());
    if (CPUSET_HOME !== undefined && child.pid !== undefined) writeFileSync(join('/sys/fs/cgroup/cpuset', CPUSET_HOME, 'cgroup.procs'), String(child.pid));
  });
  const input = randomBytes(4 * 2 ** 20);
  const until = Date.now() + ROLLOUT_SECONDS * 1000;
  const worker = async () => {
    while (Date.now() < until) await gzipAsync(input, { level: 6 });
  };
  await Promise.all([writer, ...burnt, worker(), worker(), worker(), worker()]);
}

async function measure(isolation: 'shared' | 'cpuset'): Promise<void> {
  const neighbours = resolveNeighbours({
    // As long as the impact test's: a loaded machine needs a dozen baseline bins to tell a slow-down.
    baseline: '3s',
    recovery: '1s',
    isolation,
    workloads: [{ http: { rate: 100, writes: 1, writeSize: '4KiB', probe: '0.5s' } }, { fio: { rateIops: 100, size: '8MiB' } }],
  });
  assert.ok(neighbours);
  const records: NeighbourStepRecord[] = [];
  const origin = epochNowMs();
  const session = await NeighbourSession.start({ neighbours, workDir: join(dir, `neighbours-${isolation}`), diskDevice: device, onRecord: async (r) => void records.push(r) });
  let load = 0;
  try {
    await session.aroundStep({ strategy: 'test', step: 'rollout', repeat: 0, warmup: false }, async () => {
      load = loadavg()[0] as number;
      await rollout(dir);
    });
  } finally {
    await session.stop();
  }
  const figures = new Map(
    records.map((r) => {
      assert.equal(r.crash, undefined);
      const impact = neighbourImpact(r.operations, r.windows, { originEpochMs: origin, seed: 1 });
      return [r.neighbour.name, { impact, attribution: neighbourAttribution(r.operations, r.windows, r.contention, impact.slowdown.significant, r.harness) }] as const;
    }),
  );
  runs.set(isolation, { outcome: session.isolationOutcome, figures, load });
}

before(async () => {
  // On the repository's disk, not /tmp (maybe tmpfs, where direct I/O and fsync are free).
  dir = await mkdtemp(join(process.cwd(), '.test-neighbour-isolation-'));
  await writeFile(join(dir, 'probe'), 'x');
  const found = await blockDeviceFor(dir);
  device = 'device' in found ? found.device : undefined;
  execFileSync('sync');
  await measure('shared');
  await measure('cpuset');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const of = (isolation: 'shared' | 'cpuset', neighbour: string) => {
  const f = runs.get(isolation)?.figures.get(neighbour);
  assert.ok(f, `no figures for ${neighbour} (${isolation})`);
  return f;
};
/** The rollout's added waits per operation (rollout minus baseline, each from 0 up): CPU and I/O. */
const added = (a: NeighbourAttribution) => {
  const [b, c] = [a.phases.baseline, a.phases.contention];
  const up = (x: number | null, y: number | null) => Math.max(0, (y ?? 0) - (x ?? 0));
  return { cpu: up(b.cpuWaitMsPerOp, c.cpuWaitMsPerOp), io: up(b.ioWaitMsPerOp, c.ioWaitMsPerOp) };
};
/** Of the waiting the rollout added to both neighbours, the part that is CPU wait (the report's "CPU share of added wait"). */
const share = (isolation: 'shared' | 'cpuset') => {
  const parts = ['http', 'fio'].map((name) => added(of(isolation, name).attribution));
  const cpu = parts.reduce((sum, p) => sum + p.cpu, 0);
  const all = cpu + parts.reduce((sum, p) => sum + p.io, 0);
  return all === 0 ? 0 : cpu / all;
};

test('the shared run shares the CPUs; the isolated one pins the neighbours to their own core where cgroups allow', (t) => {
  const shared = runs.get('shared')?.outcome;
  const isolated = runs.get('cpuset')?.outcome;
  assert.equal(shared?.mode, 'shared');
  t.diagnostic(`isolated: ${isolated?.note}`);
  if (isolated?.mode !== 'cpuset') return t.skip(`no cpuset isolation here: ${isolated?.note}`);
  assert.notEqual(isolated.neighbourCpus, isolated.harnessCpus);
});

test('isolation takes the CPU wait out of the neighbours\' latency during the rollout', (t) => {
  if (runs.get('cpuset')?.outcome.mode !== 'cpuset') return t.skip('no cpuset isolation here');
  for (const [isolation, run] of runs) {
    for (const [name, f] of run.figures) {
      const c = f.attribution.phases.contention;
      t.diagnostic(`${isolation} ${name} (load ${run.load.toFixed(2)}): x${f.impact.slowdown.ratio?.toFixed(2)} sig=${f.impact.slowdown.significant}; rollout mean ${c.meanLatencyMs?.toFixed(2)} ms = cpu wait ${c.cpuWaitMsPerOp?.toFixed(2)} + io wait ${c.ioWaitMsPerOp?.toFixed(2) ?? '-'} + service ${c.serviceMsPerOp?.toFixed(2)} (run-queue ${c.runQueueWaitMsPerOp?.toFixed(2)}, blkio ${c.blkioDelayMsPerOp?.toFixed(2) ?? '-'}); baseline cpu ${f.attribution.phases.baseline.cpuWaitMsPerOp?.toFixed(2)} io ${f.attribution.phases.baseline.ioWaitMsPerOp?.toFixed(2)}; added cpu ${added(f.attribution).cpu.toFixed(2)} io ${added(f.attribution).io.toFixed(2)}; disk q ${c.disk?.queueDepth.toFixed(1)} lat ${c.disk?.latencyMs?.toFixed(2)} ms; harness cores ${f.attribution.harness?.contention.cpuCores.toFixed(2)}; cause ${f.attribution.slowdown.cause}`);
    }
  }
  // Relative, not absolute: a loaded machine moves both runs' latencies, but only isolation moves the share;
  // and what the rollout added, not the level, so other tenants' steady CPU load drops out.
  t.diagnostic(`CPU share of the added wait: shared ${(share('shared') * 100).toFixed(1)}%, isolated ${(share('cpuset') * 100).toFixed(1)}%`);
  assert.ok(share('cpuset') < share('shared'), `CPU share of the added wait ${share('cpuset')} isolated vs ${share('shared')} shared`);
});

test('the disk-bound fio neighbour still slows down significantly under isolation: the disk stays shared', (t) => {
  if (runs.get('cpuset')?.outcome.mode !== 'cpuset') return t.skip('no cpuset isolation here');
  const { impact } = of('cpuset', 'fio');
  assert.ok(impact.slowdown.significant, `not significant: ${JSON.stringify(impact.slowdown)}`);
  assert.ok((impact.slowdown.ratio ?? 0) > 1.2, `ratio ${impact.slowdown.ratio}`);
});

test('the cgroups are gone afterwards and this process is back where it started', () => {
  const root = '/sys/fs/cgroup/cpuset';
  const tag = ownerTagPrefix(process.pid);
  const ours = (() => {
    try {
      return readdirSync(root).filter((n) => n.startsWith(`shipbench-${tag}`));
    } catch {
      return [];
    }
  })();
  assert.deepEqual(ours, []);
  const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /:cpuset:/.test(l));
  if (line !== undefined) assert.doesNotMatch(line, /shipbench-/);
});
