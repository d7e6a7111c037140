import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparisonMatrix, formatRatio, renderComparisonMarkdown } from '../../src/report/comparison-matrix.ts';
import type { RunResults } from '../../src/report/results.ts';

// Only the fields the run's analysis reads; the e2e run test renders one from a real run.
function step(strategy: string, stepName: string, repeat: number, makespanSeconds: number, extra: Record<string, unknown> = {}) {
  return { strategy, step: stepName, repeat, warmup: repeat === 0, nodes: 2, failedNodes: 0, makespanSeconds, registryBytesServed: 0, bytesDownloaded: 0, retries: 0, throughput: { points: [] }, ...extra };
}
function sample(strategy: string, stepName: string, repeat: number, node: string, bytesDownloaded: number) {
  return { node, step: stepName, strategy, repeat, startSeconds: 0, manifestSeconds: 0, totalSeconds: 1, layers: [], bytesDownloaded, bytesWrittenToDisk: bytesDownloaded, filesWritten: 1 };
}
const volumeStep = { volume: { masterEgressBytes: 10, proxySyncSeconds: 0.1, failovers: 0, proxies: [{ proxy: 'proxy-1', bytesFromMaster: 10, syncSeconds: 0.1, egressBytes: 200, nodesServed: 2, failed: false }] } };

const results = {
  schema: 'shipbench/results/1',
  status: 'completed',
  startedAt: '2026-01-01T00:00:00Z',
  scenario: { name: 't', seed: '1', fleet: { nodes: 2 }, measure: { repeat: 1, warmup: 1 } },
  environment: { hostname: 'h', cpus: 2 },
  volume: { proxies: 1, assign: 'round-robin' },
  steps: [
    step('monolithic', 'initial', 0, 99),
    step('monolithic', 'initial', 1, 4),
    step('monolithic', 'backport', 1, 3),
    step('volume', 'initial', 1, 2, volumeStep),
    step('volume', 'backport', 1, 1, volumeStep),
  ],
  samples: [
    sample('monolithic', 'initial', 0, 'n1', 999_999),
    ...['n1', 'n2'].flatMap((n) => [sample('monolithic', 'initial', 1, n, 1000), sample('monolithic', 'backport', 1, n, 1000), sample('volume', 'initial', 1, n, 500), sample('volume', 'backport', 1, n, 10)]),
  ],
  warnings: [],
} as unknown as RunResults;

describe('comparison matrix', () => {
  it('puts volume first, leaves warmups out, and computes per-node bytes and served bytes per side', () => {
    const m = comparisonMatrix(results);
    assert.deepEqual(m.mechanisms, ['volume', 'monolithic']);
    assert.deepEqual(m.steps, ['initial', 'backport']);
    const initial = m.rows[0];
    assert.equal(initial?.volume?.bytesDownloadedPerNode, 500);
    assert.equal(initial?.volume?.servedBytes, 200);
    assert.equal(initial?.images[0]?.bytesDownloadedPerNode, 1000);
    assert.equal(initial?.images[0]?.makespanSeconds, 4);
  });

  it('ratios are image / volume', () => {
    assert.equal(formatRatio(1000, 10), '100x');
    assert.equal(formatRatio(3, 2), '1.50x');
    assert.equal(formatRatio(5, 0), 'n/a');
    assert.equal(formatRatio(undefined, 1), '-');
    assert.equal(formatRatio(377, 5_690_000), '0.000066x', 'a tiny share keeps two significant digits');
    assert.equal(formatRatio(5, 100), '0.050x');
    const md = renderComparisonMarkdown(results);
    assert.match(md, /\| backport \| 10 B \| 1000 B \(100x\) \|/);
    assert.match(md, /\| initial \| 2\.00 s \| 4\.00 s \(2\.00x\) \|/);
  });

  it('lists the hybrid side right after volume, with its ratios to volume and its proxies as what served it', () => {
    const withHybrid = {
      ...results,
      steps: [...results.steps, step('hybrid', 'initial', 1, 3, { ...volumeStep, registryBytesServed: 7000 })],
      samples: [...results.samples, sample('hybrid', 'initial', 1, 'n1', 500), sample('hybrid', 'initial', 1, 'n2', 500)],
    } as unknown as RunResults;
    const m = comparisonMatrix(withHybrid);
    assert.deepEqual(m.mechanisms, ['volume', 'hybrid', 'monolithic']);
    const hybrid = m.rows[0]?.images.find((c) => c.mechanism === 'hybrid');
    assert.equal(hybrid?.servedBytes, 200);
    const md = renderComparisonMarkdown(withHybrid);
    assert.match(md, /\| initial \| 2\.00 s \| 3\.00 s \(1\.50x\) \| 4\.00 s \(2\.00x\) \|/);
    assert.match(md, /\| hybrid \| 2\/2 \| 3\.00 s \|.*\(proxies\)/);
    assert.match(md, /Hybrid egress: master 10 B to the proxies; proxy-1 200 B to the nodes\./);
  });

  it('takes the median of an even number of repeats as the mean of the middle two, as every other figure does', () => {
    const twoRepeats = { ...results, steps: [step('monolithic', 'initial', 1, 10), step('monolithic', 'initial', 2, 20)] } as unknown as RunResults;
    assert.equal(comparisonMatrix(twoRepeats).rows[0]?.images[0]?.makespanSeconds, 15);
  });
});
