import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { CpuSampler, cpuWindowSchema, summariseCpuReadings, type CpuReading } from '../../src/metrics/cpu-sampler.ts';
import type { CpuTimes } from '../../src/metrics/proc-stat.ts';
import { saturation } from '../../src/metrics/saturation.ts';

/** Keeps one core busy for `ms`, yielding between slices so the sampler's timer still fires. */
async function spin(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const slice = Math.min(end, performance.now() + 20);
    while (performance.now() < slice) {
      // busy on purpose
    }
    await nextTurn();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[s.length >> 1]!;
}

function times(busy: number, iowait: number, idle: number): CpuTimes {
  const total = busy + iowait + idle;
  return { user: busy, nice: 0, system: 0, idle, iowait, irq: 0, softirq: 0, steal: 0, total, busy, cpus: 4 };
}

describe('CpuSampler', () => {
  it('sees a busy loop lift utilisation above an idle baseline, and its own process CPU', async (t) => {
    const idleSampler = new CpuSampler(100);
    idleSampler.start();
    await sleep(1000);
    const idle = idleSampler.stop();

    const busySampler = new CpuSampler(100);
    busySampler.start();
    await spin(1000);
    const busy = busySampler.stop();

    assert.ok(idle.cpus >= 1 && busy.cpus === idle.cpus);
    assert.ok(busy.series.utilisation.points.length > 0 && idle.series.utilisation.points.length > 0);
    // One spinning core adds 1/cpus of the machine; ask for a quarter of that over the idle median.
    const lift = 0.25 / busy.cpus;
    const baseline = median(idle.series.utilisation.points.map((p) => p.value));
    const peak = Math.max(...busy.series.utilisation.points.map((p) => p.value));
    if (saturation(idle.series.utilisation, 1 - lift).saturated) {
      // Other load already filled the machine: there is no headroom in which a busy loop could show.
      t.diagnostic(`machine-wide check not possible: idle median ${baseline.toFixed(3)} on ${busy.cpus} CPUs leaves under a quarter core free`);
    } else {
      assert.ok(peak > baseline + lift, `busy peak ${peak} vs idle median ${baseline} on ${busy.cpus} CPUs`);
    }
    // The process view holds under any load: spinning burns CPU, sleeping next to none.
    assert.ok(busy.process.cores > 2 * idle.process.cores, `process cores busy ${busy.process.cores} vs idle ${idle.process.cores}`);
    assert.ok(busy.process.userSeconds > idle.process.userSeconds);
    assert.ok(busy.series.processCores.points.some((p) => p.value > Math.max(...idle.series.processCores.points.map((q) => q.value))));
    for (const w of [idle, busy]) {
      assert.ok(w.utilisation >= 0 && w.utilisation <= 1);
      assert.ok(w.iowaitShare >= 0 && w.iowaitShare <= 1);
      assert.ok(w.series.utilisation.points.every((p) => p.value >= 0 && p.value <= 1));
    }
    assert.deepEqual(cpuWindowSchema.parse(JSON.parse(JSON.stringify(busy))), busy);
  });

  it('puts samplers of one run on one time axis through originMs', async () => {
    const origin = performance.now() - 5000;
    const sampler = new CpuSampler(50, { originMs: origin });
    sampler.start();
    await sleep(20);
    const w = sampler.stop();
    assert.ok(w.startSeconds >= 5, `the window starts ${w.startSeconds}s after an origin 5 s ago`);
    assert.ok(w.endSeconds >= w.startSeconds);
  });

  it('summarises hand-made readings into shares and process cores', () => {
    const reading = (t: number, c: CpuTimes, userUs: number): { tSeconds: number; value: CpuReading } => ({
      tSeconds: t,
      value: { times: c, process: { user: userUs, system: 0 } },
    });
    const w = summariseCpuReadings(250, [
      reading(0, times(0, 0, 0), 0),
      reading(1, times(300, 100, 0), 1_000_000),
      reading(2, times(300, 100, 400), 1_000_000),
    ]);
    assert.equal(w.cpus, 4);
    assert.equal(w.utilisation, 300 / 800);
    assert.equal(w.iowaitShare, 100 / 800);
    assert.deepEqual(w.series.utilisation.points, [{ tSeconds: 1, value: 0.75 }, { tSeconds: 2, value: 0 }]);
    assert.deepEqual(w.series.iowait.points.map((p) => p.value), [0.25, 0]);
    assert.deepEqual(w.process, { userSeconds: 1, systemSeconds: 0, cores: 0.5 });
    assert.deepEqual(w.series.processCores.points.map((p) => p.value), [1, 0]);
  });
});
