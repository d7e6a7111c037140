import { renderChart } from './charts/chart-render.ts';
import { reportCharts } from './charts/report-charts.ts';
import { renderComparisonMarkdown } from './comparison-matrix.ts';
import { renderSamplesCsv } from './csv-export.ts';
import { CHARTS_DIR, renderHtmlReport } from './html-report.ts';
import { renderMarkdownReport } from './markdown-report.ts';
import { runResultsSchema, type RunResults } from './results.ts';
import { analyzeRun } from './run-analysis.ts';

/** A file an exporter produced, relative to the output directory; the CLI's writer puts it on disk. */
export interface ExportedFile {
  readonly path: string;
  readonly content: string | Uint8Array;
}

/** Results in, files out; no exporter touches the file system (hyperfine's export/). */
export type Exporter = (results: RunResults) => Promise<ExportedFile[]>;

async function htmlExport(results: RunResults): Promise<ExportedFile[]> {
  const charts = await Promise.all(reportCharts(analyzeRun(results), results.neighbours).map(renderChart));
  return [
    { path: 'report.html', content: renderHtmlReport(results, charts) },
    ...charts.flatMap((r) => [
      { path: `${CHARTS_DIR}/${r.chart.name}.svg`, content: r.svg },
      { path: `${CHARTS_DIR}/${r.chart.name}.png`, content: r.png },
      { path: `${CHARTS_DIR}/${r.chart.name}.vl.json`, content: `${JSON.stringify(r.chart.spec, null, 1)}\n` },
    ]),
  ];
}

export const exporters = {
  json: async (results) => [{ path: 'results.json', content: `${JSON.stringify(runResultsSchema.parse(results), null, 1)}\n` }],
  md: async (results) => [{ path: 'report.md', content: renderMarkdownReport(results) }],
  html: htmlExport,
  csv: async (results) => [{ path: 'samples.csv', content: renderSamplesCsv(results) }],
  // The run's terminal answer as a file: volume beside each layer strategy per step, with ratios.
  summary: async (results) => [{ path: 'summary.md', content: renderComparisonMarkdown(results) }],
} satisfies Record<string, Exporter>;

export type ExportFormat = keyof typeof exporters;
export const EXPORT_FORMATS = Object.keys(exporters) as ExportFormat[];
