import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { throughputChart } from '../../src/report/charts/throughput-chart.ts';
import { deployVerdict, verdictSentence, verdictTable } from '../../src/report/deploy-verdict.ts';
import { renderMarkdownReport } from '../../src/report/markdown-report.ts';
import type { RunResults } from '../../src/report/results.ts';
import { analyzeRun } from '../../src/report/run-analysis.ts';

// Only the fields the analysis reads. Volume nodes take about 1 s and receive 1 MB; monolithic nodes take
// about 3 s and download 8 MB; per-component matches volume's time within noise.
const NODES = 12;
function step(strategy: string, repeat: number, makespanSeconds: number, startSeconds: number) {
  return {
    strategy, step: 'train', repeat, warmup: false, nodes: NODES, failedNodes: 0, makespanSeconds, registryBytesServed: 0, bytesDownloaded: 0, retries: 0,
    // A recorded volume series is a spike at each completion; the chart must not draw it.
    throughput: { name: 't', unit: 'bytes/s', points: [{ tSeconds: startSeconds + makespanSeconds, value: 1e12 }] },
    cpu: { startSeconds },
  };
}
function sample(strategy: string, repeat: number, i: number, totalSeconds: number, bytes: number, startSeconds: number) {
  return { node: `n${i}`, step: 'train', strategy, repeat, startSeconds, manifestSeconds: 0, totalSeconds, layers: [], bytesDownloaded: bytes, bytesWrittenToDisk: bytes, filesWritten: 1 };
}
const jitter = (i: number) => (i % 4) * 0.01;
const results = {
  schema: 'shipbench/results/1', status: 'completed', startedAt: '2026-01-01T00:00:00Z', source: 'measured',
  scenario: { name: 't', seed: '1' }, environment: { hostname: 'h', cpus: 2, cpuModel: 'x' },
  steps: [1, 2, 3].flatMap((r) => [step('volume', r, 1.2 + r / 100, 100 * r), step('monolithic', r, 3.5 + r / 100, 100 * r + 10), step('per-component', r, 1.2 + r / 50, 100 * r + 20)]),
  samples: [1, 2, 3].flatMap((r) =>
    Array.from({ length: NODES }, (_, i) => [
      sample('volume', r, i, 1 + jitter(i), 1_000_000, 100 * r + 0.1),
      sample('monolithic', r, i, 3 + jitter(i), 8_000_000, 100 * r + 10.1),
      sample('per-component', r, i, 1 + jitter(i + 1), 1_100_000, 100 * r + 20.1),
    ]).flat(),
  ),
  warnings: [],
} as unknown as RunResults;

describe('deploy verdict', () => {
  const verdict = deployVerdict(analyzeRun(results));

  it('puts every strategy against volume per step, with ratios and significance', () => {
    assert.equal(verdict.reference, 'volume');
    assert.deepEqual(verdict.rows.map((r) => r.candidate), ['monolithic', 'per-component']);
    const [bytes, nodeTime] = verdict.rows[0]!.figures;
    assert.equal(bytes?.ratio, 8);
    assert.ok(Math.abs(nodeTime!.ratio - 3) < 0.05, `node time ratio ${nodeTime?.ratio}`);
    assert.equal(nodeTime?.comparison.significant, true);
    const perComponentTime = verdict.rows[1]!.figures[1]!;
    assert.equal(perComponentTime.comparison.significant, false, 'same times within noise read as ~');
  });

  it('says the answer in words and marks what is not significant with ~', () => {
    assert.match(verdictSentence(verdict.rows[0]!), /^train: monolithic takes [23]\.\d\dx as long as volume \((makespan|node time)\) and moves 8\.00x the bytes per node\.$/);
    assert.match(verdictSentence(verdict.rows[1]!), /per-component is not significantly faster or slower than volume \(node time ~1\.\d\dx\)/);
    assert.match(verdictTable(verdict).rows[1]!.join(' | '), /\(~1\.\d\dx\)/);
  });

  it('leads report.md: the verdict comes before the summary tables', () => {
    const md = renderMarkdownReport(results);
    assert.ok(md.indexOf('## Verdict: code in the image against code in a volume') < md.indexOf('## Summary'));
  });

  it('draws the volume side as bytes spread over each sync, not the spike rsync reports at its end', () => {
    const chart = throughputChart(analyzeRun(results));
    const values = (chart?.spec as { data: { values: Array<{ strategy: string; repeat: number; seconds: number; mibPerSecond: number }> } }).data.values;
    const volume = values.filter((v) => v.strategy === 'volume' && v.repeat === 1);
    assert.ok(volume.length > 1);
    const width = volume[1]!.seconds - volume[0]!.seconds;
    const totalMib = volume.reduce((n, v) => n + v.mibPerSecond * width, 0);
    assert.ok(Math.abs(totalMib - (NODES * 1_000_000) / 1024 / 1024) < 1e-6, `the series holds every byte once (${totalMib} MiB)`);
    const peak = Math.max(...volume.map((v) => v.mibPerSecond));
    assert.ok(peak < 20, `12 nodes x 1 MB over about 1 s peak near 11 MiB/s, got ${peak}`);
  });
});
