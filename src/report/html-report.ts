import type { RenderedChart } from './charts/chart-render.ts';
import { comparisonCaveats } from './comparison-caveats.ts';
import { COMPARISON_HEAD, comparisonCells, comparisonFootnote, compareRuns, compareStrategies, type ComparisonRow } from './comparison.ts';
import { cadenceTables } from './cadence-tables.ts';
import { deployLatencyRows, deployLatencyTable } from './deploy-latency.ts';
import { deployVerdict, verdictSentence, verdictTable } from './deploy-verdict.ts';
import { escapeHtml, htmlPage, htmlSection, htmlTable, inlineMarkup } from './html-page.ts';
import { matrixTables, runHeadline, summaryTable, warningLines } from './report-sections.ts';
import type { RunResults } from './results.ts';
import { analyzeRun } from './run-analysis.ts';

/** Where the PNG and spec of each chart sit, relative to report.html. */
export const CHARTS_DIR = 'charts';

function chartFigure(r: RenderedChart): string {
  const { name, title, caption } = r.chart;
  const links = `<a href="${CHARTS_DIR}/${name}.png">PNG</a> · <a href="${CHARTS_DIR}/${name}.vl.json">vega-lite spec</a>`;
  return `<figure class="chart" id="chart-${name}"><h3>${escapeHtml(title)}</h3>${r.svg}<figcaption>${escapeHtml(caption)} (${links})</figcaption></figure>`;
}

function comparisonSection(title: string, rows: readonly ComparisonRow[]): string {
  if (rows.length === 0) return '';
  return `<section><h2>${escapeHtml(title)}</h2><p class="note">${inlineMarkup(comparisonFootnote(rows))}</p>${htmlTable([...COMPARISON_HEAD], comparisonCells(rows), [3, 4, 5])}</section>`;
}

const VERDICT_CHART = 'deploy-verdict';

function verdictSection(analysis: ReturnType<typeof analyzeRun>, charts: readonly RenderedChart[]): string {
  const verdict = deployVerdict(analysis);
  if (verdict.rows.length === 0) return '';
  const sentences = `<ul>${verdict.rows.map((r) => `<li>${escapeHtml(verdictSentence(r))}</li>`).join('')}</ul>`;
  const chart = charts.find((c) => c.chart.name === VERDICT_CHART);
  return htmlSection(verdictTable(verdict)) + sentences + (chart === undefined ? '' : chartFigure(chart));
}

/** report.html: the verdict and its chart first, then the Markdown report's tables and the other charts, inline. `charts` come rendered by the caller. */
export function renderHtmlReport(results: RunResults, charts: readonly RenderedChart[]): string {
  const analysis = analyzeRun(results);
  const warnings = warningLines(analysis.warnings);
  const details = charts.filter((c) => c.chart.name !== VERDICT_CHART);
  const body = [
    `<h1>shipbench report: ${escapeHtml(results.scenario.name)}</h1><p>${inlineMarkup(runHeadline(results))}</p>`,
    verdictSection(analysis, charts),
    htmlSection(summaryTable(analysis)),
    `<section><h2>Charts</h2>${details.length === 0 ? '<p class="note">No samples to chart.</p>' : details.map(chartFigure).join('\n')}</section>`,
    ...matrixTables(analysis).map(htmlSection),
    ...[deployLatencyTable(deployLatencyRows(analysis))].flatMap((t) => (t === undefined ? [] : [htmlSection(t)])),
    ...cadenceTables(results, analysis).map(htmlSection),
    comparisonSection(`Strategies against ${analysis.strategies[0] ?? '-'}`, compareStrategies(results)),
    `<section><h2>Warnings</h2>${warnings.length === 0 ? '<p>None.</p>' : warnings.map((w) => `<div class="warning">${escapeHtml(w.message)}<br><strong>fix:</strong> ${escapeHtml(w.fix)}</div>`).join('\n')}</section>`,
  ];
  return htmlPage(`shipbench: ${results.scenario.name}`, body.join('\n'));
}

/** `compare A B --format html`. */
export function renderHtmlComparison(before: RunResults, after: RunResults, rows: readonly ComparisonRow[] = compareRuns(before, after)): string {
  const body = [
    '<h1>shipbench comparison</h1>',
    ...comparisonCaveats(before, after).map((c) => `<div class="warning"><strong>Warning:</strong> ${escapeHtml(c.message)}.</div>`),
    `<p>A: <code>${escapeHtml(before.scenario.name)}</code> started ${escapeHtml(before.startedAt)} (${before.source})<br>B: <code>${escapeHtml(after.scenario.name)}</code> started ${escapeHtml(after.startedAt)} (${after.source})</p>`,
    rows.length === 0 ? '<p>The runs share no strategy and step: nothing to compare.</p>' : comparisonSection('A -> B', rows),
  ];
  return htmlPage('shipbench comparison', body.join('\n'));
}
