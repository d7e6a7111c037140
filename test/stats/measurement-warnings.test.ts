import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import { runWarningSchema } from '../../src/metrics/samples.ts';
import { measurementWarnings } from '../../src/stats/measurement-warnings.ts';

const sample = (repeat: number, node: number, totalSeconds: number, strategy = 'monolithic'): NodeStepSample => ({
  node: `node-${node}`,
  step: 'initial',
  strategy,
  repeat,
  startSeconds: 0,
  manifestSeconds: 0,
  totalSeconds,
  layers: [],
  bytesDownloaded: 1,
  bytesWrittenToDisk: 1,
  filesWritten: 1,
});

/** `perRepeat[r]` is every node's time in repeat r. */
const samples = (perRepeat: number[][], strategy?: string) => perRepeat.flatMap((times, r) => times.map((t, n) => sample(r, n, t, strategy)));

describe('measurement warnings', () => {
  it('says nothing about steady repeats with enough samples', () => {
    assert.deepEqual(measurementWarnings(samples([[1, 1.1, 0.9], [1, 1.05, 0.95], [1.02, 1, 0.98]])), []);
  });

  it('asks for warmup when the first repeat is much slower than the rest', () => {
    const w = measurementWarnings(samples([[3, 3.2, 2.9], [1, 1.05, 0.95], [1.02, 1, 0.98]]));
    assert.equal(w.length, 1);
    assert.equal(w[0]?.kind, 'first-repeat-slow');
    assert.match(w[0]?.fix ?? '', /add warmup/);
    assert.ok(runWarningSchema.safeParse(w[0]).success, 'stored warnings parse back');
  });

  it('flags repeats that disagree, and too few samples for an interval', () => {
    const w = measurementWarnings(samples([[1, 1, 1], [2, 2, 2], [1, 1, 1], [2.5, 2.5, 2.5]]));
    assert.deepEqual(w.map((x) => x.kind), ['high-variance']);
    assert.match(w[0]?.fix ?? '', /raise measure\.repeat/);
    const few = measurementWarnings(samples([[1, 1]], 'volume'));
    assert.deepEqual(few.map((x) => [x.kind, 'strategy' in x ? x.strategy : '']), [['few-samples', 'volume']]);
  });

  it('leaves failed node deploys out', () => {
    const failing = samples([[1, 1, 1], [1, 1, 1]]).map((s) => (s.repeat === 0 ? { ...s, error: 'registry gone' } : s));
    assert.deepEqual(measurementWarnings(failing).map((x) => x.kind), ['few-samples']);
  });
});
