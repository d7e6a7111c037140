import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { exporters } from '../../src/report/exporters.ts';
import { runResultsSchema } from '../../src/report/results.ts';
import { REPO_ROOT } from '../e2e/run-cli.ts';
import { HeadlessChromium } from '../support/headless-chromium.ts';

const GOLDEN = join(REPO_ROOT, 'fixtures/reports/tiny-run.json');
const ARTIFACTS = join(REPO_ROOT, 'reports/test-artifacts');

describe('report.html in headless Chromium', { timeout: 120_000 }, () => {
  let dir: string;
  let browser: HeadlessChromium | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipbench-html-'));
  });
  after(async () => {
    await browser?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads without console errors or network, with every chart as SVG holding data marks', async () => {
    const results = runResultsSchema.parse(JSON.parse(await readFile(GOLDEN, 'utf8')));
    const files = await exporters.html(results);
    for (const f of files) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await writeFile(join(dir, f.path), f.content);
    }
    const html = files.find((f) => f.path === 'report.html')?.content as string;
    assert.doesNotMatch(html, /<script|<link|(src|href)="https?:/, 'self-contained: no script, stylesheet link or remote reference');

    browser = await HeadlessChromium.start();
    await browser.open(pathToFileURL(join(dir, 'report.html')).href);
    const charts = await browser.evaluate<Array<{ id: string; svgs: number; marks: number; texts: number }>>(`
      [...document.querySelectorAll('figure.chart')].map((f) => ({
        id: f.id,
        svgs: f.querySelectorAll('svg').length,
        marks: f.querySelectorAll('g.role-mark path, g.role-mark rect, g.role-mark line').length - f.querySelectorAll('g.role-axis g.role-mark path, g.role-axis g.role-mark line, g.role-legend g.role-mark path, g.role-legend g.role-mark rect').length,
        texts: f.querySelectorAll('svg text').length,
      }))`);
    assert.deepEqual(
      charts.map((c) => c.id).sort(),
      ['chart-aggregate-throughput', 'chart-bytes-per-step', 'chart-deploy-latency', 'chart-deploy-verdict', 'chart-disk-bytes', 'chart-disk-iops', 'chart-node-completion-time', 'chart-node-disk', 'chart-registry-strain'],
    );
    for (const c of charts) {
      assert.equal(c.svgs, 1, `${c.id} is one inline SVG`);
      assert.ok(c.marks > 0, `${c.id} has data marks`);
      assert.ok(c.texts > 5, `${c.id} has axis and legend text`);
    }
    const tables = await browser.evaluate<number>('document.querySelectorAll("table").length');
    assert.ok(tables >= 4, `summary, matrices and comparison tables (${tables})`);
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(join(ARTIFACTS, 'report-html.png'), await browser.screenshotPng());
    assert.deepEqual(browser.errors, [], 'no console errors');
  });
});
