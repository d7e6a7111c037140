import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { EXPORT_FORMATS, exporters, type ExportedFile } from '../../src/report/exporters.ts';
import { runResultsSchema, type RunResults } from '../../src/report/results.ts';
import { REPO_ROOT } from '../e2e/run-cli.ts';

/** Golden results from a real `shipbench run fixtures/scenarios/valid/tiny-run.yaml`; outputs beside them. */
const GOLDEN_RESULTS = join(REPO_ROOT, 'fixtures/reports/tiny-run.json');
const GOLDEN_DIR = join(REPO_ROOT, 'fixtures/reports/tiny-run');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

async function golden(): Promise<RunResults> {
  return runResultsSchema.parse(JSON.parse(await readFile(GOLDEN_RESULTS, 'utf8')));
}

/** Compares with the stored snapshot (or rewrites it with UPDATE_GOLDEN=1 after an intended change). */
async function matchesSnapshot(file: ExportedFile): Promise<void> {
  const path = join(GOLDEN_DIR, file.path);
  if (UPDATE) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    return;
  }
  assert.equal(file.content, await readFile(path, 'utf8'), `${file.path} differs from its snapshot; rerun with UPDATE_GOLDEN=1 if the change is intended`);
}

const text = (files: ExportedFile[], path: string) => {
  const f = files.find((x) => x.path === path);
  assert.ok(f !== undefined, `${path} exported`);
  return f.content as string;
};

describe('exporters on golden results', () => {
  it('is a name -> exporter map with json, md, html, csv and summary', () => {
    assert.deepEqual([...EXPORT_FORMATS].sort(), ['csv', 'html', 'json', 'md', 'summary']);
  });

  it('md: summary, step x strategy matrices, strategy comparison and warnings match the snapshot', async () => {
    const files = await exporters.md(await golden());
    await matchesSnapshot(files[0] as ExportedFile);
    const md = text(files, 'report.md');
    assert.match(md, /\| step \| monolithic \| incremental \|/);
    assert.match(md, /monolithic -> incremental \| backport-1 \| node time \| .* \| -9\d% \[/, 'a significant drop shows its delta and interval');
    assert.match(md, /monolithic -> incremental \| initial \| node time \| .* \| ~ \|/, 'no significant difference shows ~');
    assert.match(md, /\*\*fix:\*\* lower fleet\.nodes/);
  });

  it('csv: one row per node sample, warmups flagged, matches the snapshot', async () => {
    const results = await golden();
    const files = await exporters.csv(results);
    await matchesSnapshot(files[0] as ExportedFile);
    const lines = text(files, 'samples.csv').trimEnd().split('\r\n');
    assert.equal(lines.length, results.samples.length + 1);
    assert.equal(lines.filter((l) => l.includes(',true,')).length, 12, '1 warmup x 2 strategies x 2 steps x 3 nodes');
  });

  it('json: the results themselves, still parsing as results', async () => {
    const results = await golden();
    const json = text(await exporters.json(results), 'results.json');
    assert.deepEqual(runResultsSchema.parse(JSON.parse(json)), results);
  });

  it('html: one page with every chart inline, plus each chart as SVG, PNG and vega-lite spec', async () => {
    const files = await exporters.html(await golden());
    const html = text(files, 'report.html');
    const names = ['deploy-verdict', 'node-completion-time', 'aggregate-throughput', 'disk-bytes', 'disk-iops', 'bytes-per-step'];
    for (const name of names) {
      assert.match(html, new RegExp(`id="chart-${name}"><h3>[^<]+</h3><svg`), `${name} inline`);
      assert.match(text(files, `charts/${name}.svg`), /^<svg/);
      const png = files.find((f) => f.path === `charts/${name}.png`)?.content as Uint8Array;
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], `${name}.png is a PNG`);
      const spec = JSON.parse(text(files, `charts/${name}.vl.json`)) as { $schema: string; data: { values: unknown[] } };
      assert.match(spec.$schema, /vega-lite\/v6/);
      assert.ok(spec.data.values.length > 0, `${name} spec carries its data`);
      await matchesSnapshot(files.find((f) => f.path === `charts/${name}.vl.json`) as ExportedFile);
    }
    assert.ok(html.indexOf('id="chart-deploy-verdict"') < html.indexOf('<h2>Summary</h2>'), 'the verdict and its chart lead the page');
    assert.doesNotMatch(html, /<script|(src|href)="https?:/);
  });

  it('draws deploy parts as a stacked bar per step and mechanism, with their table and the cadence\'s week', async () => {
    const results = await golden();
    // Image parts on the layer strategies, tree parts on the second one relabelled volume: both shapes at once.
    const withParts: RunResults = {
      ...results,
      steps: results.steps.map((s, i) =>
        s.strategy === 'incremental'
          ? { ...s, strategy: 'volume', deploy: { prep: 0.5, sync: s.makespanSeconds, total: 0.5 + s.makespanSeconds } }
          : { ...s, deploy: { build: 1 + i, push: 0.25, rollout: s.makespanSeconds, total: 1.25 + i + s.makespanSeconds } },
      ),
      cadence: {
        everySeconds: 43_200,
        merges: [
          { name: 'initial', kind: 'initial', atSeconds: 0, step: 'initial', buildAtSeconds: 0 },
          { name: 'backport-1', kind: 'backport', atSeconds: 25_200, step: 'backport-1', buildAtSeconds: 43_200 },
        ],
      },
    };
    const files = await exporters.html(withParts);
    const spec = JSON.parse(text(files, 'charts/deploy-latency.vl.json')) as { data: { values: Array<{ part: string; strategy: string }> }; encoding: { y: { stack: string } } };
    assert.equal(spec.encoding.y.stack, 'zero');
    assert.deepEqual([...new Set(spec.data.values.map((v) => v.part))].sort(), ['build', 'prep', 'push', 'rollout', 'sync']);
    assert.match(text(files, 'report.html'), /id="chart-deploy-latency"><h3>[^<]+<\/h3><svg/);
    const md = text(await exporters.md(withParts), 'report.md');
    assert.match(md, /## Deploy latency: parts per step/);
    assert.match(md, /\| strategy \| step \| build \| push \| rollout \| prep \| sync \| total \|/);
    assert.match(md, /## Build cadence: the week, every 12 h/);
    // Merged mon 07:00, built at mon 12:00: five hours of waiting before the deploy itself.
    assert.match(md, /\| backport-1 \| mon 07:00 \| mon 12:00 \| backport-1 \| 5h 0m \d+s \|/);
  });

  it('works on simulated results without disk series, and shows the volume side as one more column', async () => {
    const results = await golden();
    const simulated: RunResults = {
      ...results,
      source: 'simulated',
      steps: results.steps.map(({ disk: _disk, ...s }) => ({ ...s, strategy: s.strategy === 'incremental' ? 'volume' : s.strategy })),
      samples: results.samples.map((s) => (s.strategy === 'incremental' ? { ...s, strategy: 'volume', layers: [] } : s)),
    };
    const md = text(await exporters.md(simulated), 'report.md');
    assert.match(md, /simulated by the fleet model/);
    assert.match(md, /\| step \| monolithic \| volume \|/);
    const files = await exporters.html(simulated);
    assert.ok(!files.some((f) => f.path.startsWith('charts/disk-')), 'no disk charts without disk data');
    assert.match(text(files, 'report.html'), /id="chart-bytes-per-step"/);
    assert.match(text(await exporters.csv(simulated), 'samples.csv'), /^simulated,volume,/m);
  });
});
