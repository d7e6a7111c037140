import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fewSamples,
  harnessCpuSaturated,
  harnessDiskSaturated,
  highVariance,
  nodeStepSampleSchema,
  runWarningSchema,
  type NodeStepSample,
  type RunWarning,
} from '../../src/metrics/samples.ts';

const sample: NodeStepSample = {
  node: 'node-0007',
  step: 'train',
  strategy: 'per-version',
  repeat: 2,
  startSeconds: 1.25,
  manifestSeconds: 0.02,
  totalSeconds: 4.5,
  layers: [{ digest: `sha256:${'ab'.repeat(32)}`, bytes: 1048576, downloadSeconds: 1.5, unpackSeconds: 2.5, files: 1200 }],
  bytesDownloaded: 1048576,
  bytesWrittenToDisk: 4194304,
  filesWritten: 1200,
};

describe('samples', () => {
  it('round-trips a node step sample through JSON and its schema', () => {
    assert.deepEqual(nodeStepSampleSchema.parse(JSON.parse(JSON.stringify(sample))), sample);
    const failed = { ...sample, layers: [], error: 'connection reset' };
    assert.deepEqual(nodeStepSampleSchema.parse(failed), failed);
  });

  it('refuses negative sizes, fractional counts and malformed digests, naming the path', () => {
    const bad = nodeStepSampleSchema.safeParse({
      ...sample,
      bytesDownloaded: -1,
      filesWritten: 1.5,
      layers: [{ ...sample.layers[0]!, digest: 'not-a-digest' }],
    });
    assert.equal(bad.success, false);
    const paths = bad.error!.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['bytesDownloaded', 'filesWritten', 'layers.0.digest']);
  });

  it('builds every warning kind with a message and a fix, each valid against the union', () => {
    const warnings: RunWarning[] = [
      harnessCpuSaturated(0.8, 0.9),
      harnessDiskSaturated('nvme0n1', 0.6, 0.95),
      highVariance('backport', 'single-layer', 'totalSeconds', 0.42),
      fewSamples('train', 'rsync', 1, 3),
    ];
    assert.deepEqual(warnings.map((w) => w.kind), ['harness-cpu-saturated', 'harness-disk-saturated', 'high-variance', 'few-samples']);
    for (const w of warnings) {
      assert.deepEqual(runWarningSchema.parse(JSON.parse(JSON.stringify(w))), w);
      assert.ok(w.message.length > 0 && w.fix.length > 0);
    }
    assert.equal(warnings[0]!.fix, 'lower fleet.nodes or content.scale, or run on a bigger machine');
    assert.match(warnings[2]!.fix, /measure\.repeat/);
    assert.match(warnings[3]!.message, /only 1 sample for/);
  });

  it('rejects a warning of an unknown kind or without a fix', () => {
    assert.equal(runWarningSchema.safeParse({ kind: 'cosmic-rays', message: 'x', fix: 'y' }).success, false);
    const { fix: _fix, ...noFix } = harnessCpuSaturated(0.8, 0.9);
    assert.equal(runWarningSchema.safeParse(noFix).success, false);
  });
});
