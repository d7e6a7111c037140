import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NeighbourOperation } from '../../src/metrics/neighbour-operation.ts';
import { NEIGHBOUR_MIN_EFFECT, neighbourImpact } from '../../src/stats/neighbour-impact.ts';

// The analysis on synthetic operations with known latencies, so each verdict follows from the numbers alone.
// (test/neighbours/neighbour-impact.test.ts judges it against real neighbours beside a real disk writer.)

const RATE = 100;
const windows = {
  baseline: { startEpochMs: 0, endEpochMs: 3000 },
  contention: { startEpochMs: 3000, endEpochMs: 6000 },
  recovery: { startEpochMs: 6000, endEpochMs: 7000 },
};

/** One operation every 10 ms; latency from the phase's level with a small deterministic wobble. */
function operations(levels: { baseline: number; contention: number; recovery: number }): NeighbourOperation[] {
  const ops: NeighbourOperation[] = [];
  for (let i = 0; i < 7 * RATE; i++) {
    const t = (i * 1000) / RATE;
    const level = t < 3000 ? levels.baseline : t < 6000 ? levels.contention : levels.recovery;
    ops.push({ startEpochMs: t, latencyMs: level * (1 + 0.01 * Math.sin(i * 1.7)), ok: true });
  }
  return ops;
}

const analyse = (ops: NeighbourOperation[], minEffect?: number) => neighbourImpact(ops, windows, { originEpochMs: 0, seed: 1, ...(minEffect === undefined ? {} : { minEffect }) });

test('a clear 30% slow-down is significant and counted as an impact that lasts the contention phase', () => {
  const { slowdown, impactSeconds } = analyse(operations({ baseline: 2, contention: 2.6, recovery: 2 }));
  assert.ok(slowdown.p !== null && slowdown.p < 0.001, `p ${slowdown.p}`);
  assert.ok(Math.abs((slowdown.ratio ?? 0) - 1.3) < 0.01, `ratio ${slowdown.ratio}`);
  assert.equal(slowdown.significant, true);
  assert.equal(slowdown.belowMinEffect, false);
  assert.equal(impactSeconds, 3);
});

test('a 5% shift is measurable (tiny p) but under the default minimum effect: `~`, no impact', () => {
  const { slowdown, impactSeconds } = analyse(operations({ baseline: 2, contention: 2.1, recovery: 2 }));
  assert.ok(NEIGHBOUR_MIN_EFFECT > 0.05);
  assert.ok(slowdown.p !== null && slowdown.p < 0.001, `p ${slowdown.p}`);
  assert.equal(slowdown.significant, false);
  assert.equal(slowdown.belowMinEffect, true);
  assert.equal(impactSeconds, 0);
});

test('the same 5% shift counts once the scenario lowers the minimum effect to 2%', () => {
  const { slowdown } = analyse(operations({ baseline: 2, contention: 2.1, recovery: 2 }), 0.02);
  assert.equal(slowdown.significant, true);
  assert.equal(slowdown.belowMinEffect, false);
});

test('the minimum effect holds both ways: a speed-up counts only beyond 1 / (1 + minEffect)', () => {
  const small = analyse(operations({ baseline: 2, contention: 2 / 1.08, recovery: 2 })).slowdown;
  assert.equal(small.significant, false);
  assert.equal(small.belowMinEffect, true);
  const large = analyse(operations({ baseline: 2, contention: 2 / 1.3, recovery: 2 })).slowdown;
  assert.equal(large.significant, true);
  assert.ok((large.ratio ?? 1) < 1);
});

test('no shift at all is neither significant nor below the minimum effect', () => {
  const { slowdown } = analyse(operations({ baseline: 2, contention: 2, recovery: 2 }));
  assert.equal(slowdown.significant, false);
  assert.equal(slowdown.belowMinEffect, false);
});
