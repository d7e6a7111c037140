import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import type { StepResult } from '../../src/metrics/step-result.ts';
import { CALIBRATION_DRAWS, calibrationDraws } from '../../src/model/calibration-draws.ts';
import { compareWithMeasured } from '../../src/model/calibration.ts';
import { medianOfRepeatSets } from '../../src/model/calibration-compare.ts';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { MeasuredRun } from '../../src/model/measured-run.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet, type SimulationInput } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';

/** A step of `makespan` whose nodes took `times` (what the comparison reads of a run). */
function run(makespans: number[], times: number[][]): MeasuredRun {
  const steps = makespans.map((makespanSeconds, repeat) => ({ strategy: 's', step: 'initial', repeat, makespanSeconds, warmup: false, cpu: { samples: 0 } }) as unknown as StepResult);
  const samples = times.flatMap((perNode, repeat) =>
    perNode.map((totalSeconds, i): NodeStepSample => ({ node: `n${i}`, step: 'initial', strategy: 's', repeat, startSeconds: 0, manifestSeconds: 0, totalSeconds, layers: [], bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0 })),
  );
  return { steps, samples };
}

/** Image pulls whose times to manifest are `manifests` (a list per repeat of one step). */
function pulls(manifests: number[][]): MeasuredRun {
  const layer = { digest: 'sha256:l0', bytes: 4_700, downloadSeconds: 0.01, unpackSeconds: 0.01, files: 1 };
  const samples = manifests.flatMap((perNode, repeat) =>
    perNode.map((manifestSeconds, i): NodeStepSample => ({ node: `n${i}`, step: 'backport', strategy: 's', repeat, startSeconds: 0, manifestSeconds, totalSeconds: 0.12, layers: [layer], bytesDownloaded: 4_700, bytesWrittenToDisk: 0, filesWritten: 1 })),
  );
  return { steps: manifests.map((_, repeat) => ({ strategy: 's', step: 'backport', repeat, makespanSeconds: 0.12, warmup: false, cpu: { samples: 0 } }) as unknown as StepResult), samples };
}

describe('calibration against the model over several draws of the fleet', () => {
  test('the simulated makespan is taken over the draws and node quantiles pool every draw, not the first draw alone', () => {
    const measured = run([2, 2], [[1, 1, 1], [1, 1, 2]]);
    // The first draw alone is off both ways: its makespan 1, its nodes all at 1 s.
    const draws = [run([1], [[1, 1, 1]]), run([2], [[1, 1, 2]]), run([2.2], [[1, 2, 2]])];
    const c = compareWithMeasured('m.json', {}, measured, draws);
    const value = (metric: string) => c.rows.find((r) => r.metric === metric)!.simulatedSeconds;
    // Two repeats measured: the draws in pairs, [1, 2] the one full pair (medianOfRepeatSets).
    assert.equal(value('makespan'), 1.5);
    // Nine nodes, three at 2 s: the p90 (type 7) is 2 s; the first draw alone would say 1 s.
    assert.equal(value('p90-node'), 2);
    assert.equal(value('p50-node'), 1);
    assert.equal(c.simulatedDraws, 3);
    assert.equal(compareWithMeasured('m.json', {}, measured, draws.slice(0, 1)).rows.find((r) => r.metric === 'p90-node')!.simulatedSeconds, 1);
  });

  test('a makespan of two values: simulated as two measured repeats would read it, not as one draw', () => {
    // Each draw's makespan is 0.25 s, or 0.35 s when a node of a wave landed after ctr's tick (6 of 16 draws).
    const draws = [0.25, 0.35, 0.25, 0.35, 0.25, 0.25, 0.35, 0.25, 0.25, 0.25, 0.35, 0.35, 0.25, 0.35, 0.25, 0.25];
    assert.equal(medianOfRepeatSets(draws, 1), 0.25);
    // Two repeats report their middle when they differ: pairs 0.30, 0.30, 0.25, 0.30, 0.25, 0.35, 0.30, 0.25.
    assert.ok(Math.abs(medianOfRepeatSets(draws, 2) - 0.3) < 1e-12);
    const measured = run([0.25, 0.35], [[0.1], [0.2]]);
    const c = compareWithMeasured('m.json', {}, measured, draws.map((m) => run([m], [[0.1]])));
    assert.ok(Math.abs(c.rows.find((r) => r.metric === 'makespan')!.errorPercent) < 1e-9, 'the run its two repeats measured, 0.30 s');
    // Fewer draws than repeats: the median over the draws.
    assert.equal(medianOfRepeatSets([1, 2, 4], 5), 2);
  });

  test('each draw is its own seed of the per-node spread, and the same input gives the same draws', () => {
    const fleet: ModelFleet = { nodes: 4, rollout: { maxConcurrent: 4, stages: [{ rest: true }] }, node: { nicBitsPerSecond: 8e8, maxConcurrentDownloads: 1, unpack: false } };
    const model = resolveModel({ volume: false, node: { spread: { nic: '30%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' } } }, { nodes: 4, nicBitsPerSecond: 8e8, diskWriteBytesPerSecond: 1e10 });
    const plan: FleetPlan = { strategies: [{ name: 's', steps: [{ step: 'initial', layers: [{ id: 'l0', compressedBytes: 50e6, uncompressedBytes: 50e6, files: 0 }] }] }], volume: [] };
    const input: SimulationInput = { model, fleet, volume: { proxies: 1 }, plan, seed: 5 };
    const first = simulateFleet(input);
    const draws = calibrationDraws(input, first);
    assert.equal(draws.length, CALIBRATION_DRAWS);
    assert.equal(draws[0], first);
    const makespans = draws.map((d) => d.steps[0]!.makespanSeconds);
    assert.ok(new Set(makespans).size > CALIBRATION_DRAWS / 2, `draws differ: ${makespans.join(' ')}`);
    assert.deepEqual(calibrationDraws(input, first).map((d) => d.steps[0]!.makespanSeconds), makespans);
  });

  test('a caveat when the simulated times to manifest scatter within a step far less (or more) than the measured ones, none when alike', () => {
    // Measured: 27 to 82 ms within each step; the model's draws: 45 to 52 ms.
    const measured = pulls([[0.048, 0.073, 0.082, 0.035, 0.039, 0.043], [0.055, 0.033, 0.055, 0.027, 0.027, 0.053]]);
    const narrow = [pulls([[0.046, 0.047, 0.049, 0.05, 0.052, 0.048]]), pulls([[0.045, 0.05, 0.047, 0.051, 0.049, 0.046]])];
    const caveat = (draws: MeasuredRun[]) => compareWithMeasured('m.json', {}, measured, draws).caveats?.find((c) => c.startsWith('time to manifest scatters'));
    assert.match(caveat(narrow) ?? '', /by x1\.68 \(one sigma\) measured, x1\.06 simulated: sub-second/);
    assert.ok(caveat([pulls([[0.01, 0.2, 0.03, 0.15, 0.005, 0.3]])]) !== undefined, 'a model far more scattered than the nodes');
    // Draws that scatter as the measured nodes did (the same values, in another order): no caveat.
    assert.equal(caveat([pulls([[0.082, 0.027, 0.048, 0.055, 0.035, 0.073]]), pulls([[0.039, 0.055, 0.043, 0.033, 0.053, 0.027]])]), undefined);
  });
});
