import { formatBytes, formatSeconds } from '../core/units.ts';
import { CHART_CONFIG, VEGA_LITE_SCHEMA, type Chart } from './charts/chart.ts';
import { renderChart, type RenderedChart } from './charts/chart-render.ts';
import { csvCell } from './csv-export.ts';
import type { ExportedFile } from './exporters.ts';
import { escapeHtml, htmlPage, htmlTable } from './html-page.ts';
import { markdownTable } from './markdown-table.ts';
import { otherValues, SWEEP_METRICS, sweepKnees, sweepRows, type Knee } from './sweep-analysis.ts';
import { sweepResultsSchema, type SweepResults, type TargetAnswer } from './sweep-results.ts';

const seconds = (v: number) => (Number.isFinite(v) ? formatSeconds(v) : '-');

function answerText(a: TargetAnswer, key: string): string {
  switch (a.kind) {
    case 'smallest':
      return `${key} = ${a.value} or more${a.bottleneck === undefined ? '' : ` (bottleneck there: ${a.bottleneck})`}`;
    case 'largest':
      return `${key} = ${a.value} or less${a.bottleneck === undefined ? '' : ` (bottleneck there: ${a.bottleneck})`}`;
    case 'everywhere':
      return 'met over the whole range';
    case 'nowhere':
      return 'not met anywhere in the range';
  }
}

function answerTable(results: SweepResults): { head: string[]; rows: string[][] } | undefined {
  const t = results.target;
  if (t === undefined) return undefined;
  return { head: ['strategy', `meets ${t.text}`], rows: t.answers.map((a) => [a.strategy, answerText(a, t.key)]) };
}

function pointsTable(results: SweepResults): { head: string[]; rows: string[][] } {
  const keys = results.axes.map((a) => a.key);
  const rows = sweepRows(results)
    .sort((a, b) => a.index - b.index)
    .map((r) => [
      ...keys.map((k) => String(r.values[k])),
      r.figures.strategy,
      r.figures.step,
      seconds(r.figures.makespanSeconds),
      seconds(r.figures.p50Seconds),
      seconds(r.figures.p99Seconds),
      formatBytes(r.figures.registryEgressBytes),
      r.figures.bottleneck ?? '-',
      r.probe ? 'search' : 'sweep',
    ]);
  return { head: [...keys, 'strategy', 'step', 'makespan', 'p50', 'p99', 'registry egress', 'bottleneck', 'point'], rows };
}

function kneeLines(knees: readonly Knee[]): string[] {
  return knees.map((k) => `${k.strategy} ${k.step}: ${k.metric} gains under 10% per step beyond ${k.key} = ${String(k.value)}${k.others === '' ? '' : ` (${k.others})`}`);
}

function headline(results: SweepResults): string {
  const axes = results.axes.map((a) => `${a.key} over ${a.values.map(String).join(', ')}`).join('; ');
  return `Scenario \`${results.scenario.name}\` (${results.scenario.file}), simulated at ${results.points.length} points: ${axes}. Status **${results.status}**${results.failure === undefined ? '' : ` (${results.failure.message})`}.`;
}

export function renderSweepMarkdown(results: SweepResults): string {
  const out = [`# shipbench sweep: ${results.scenario.name}`, '', headline(results), ''];
  const answers = answerTable(results);
  if (answers !== undefined) out.push('## Answer', '', markdownTable(answers.head, answers.rows, []), '');
  const knees = kneeLines(sweepKnees(results));
  out.push('## Knees', '', knees.length === 0 ? 'No curve flattens within the sweep (or the metric grows with the key).' : knees.map((k) => `- ${k}`).join('\n'), '');
  const points = pointsTable(results);
  out.push('## Points', '', 'Each point is a whole `simulate` run; its results.json is under points/.', '', markdownTable(points.head, points.rows, []), '');
  return out.join('\n');
}

export function renderSweepCsv(results: SweepResults): string {
  const keys = results.axes.map((a) => a.key);
  const head = [...keys, 'strategy', 'step', 'makespanSeconds', 'p50Seconds', 'p90Seconds', 'p99Seconds', 'registryEgressBytes', 'failedNodes', 'bottleneck', 'probe'];
  const rows = sweepRows(results).map((r) => [
    ...keys.map((k) => String(r.values[k])),
    r.figures.strategy,
    r.figures.step,
    r.figures.makespanSeconds,
    r.figures.p50Seconds,
    r.figures.p90Seconds,
    r.figures.p99Seconds,
    r.figures.registryEgressBytes,
    r.figures.failedNodes,
    r.figures.bottleneck ?? '',
    r.probe,
  ]);
  return `${[head, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Per swept key and metric: the metric against the key per strategy, a facet per step, knees as triangles. */
export function sweepCharts(results: SweepResults): Chart[] {
  const rows = sweepRows(results);
  const knees = sweepKnees(results);
  return results.axes.flatMap((axis) =>
    SWEEP_METRICS.map((metric) => {
      const values = rows.map((r) => ({
        x: r.values[axis.key],
        seconds: metric.value(r.figures),
        strategy: r.figures.strategy,
        step: r.figures.step,
        others: otherValues(r, axis.key) || 'as in the file',
        bottleneck: r.figures.bottleneck ?? 'none reported',
        knee: knees.some((k) => k.key === axis.key && k.metric === metric.name && k.strategy === r.figures.strategy && k.step === r.figures.step && k.value === r.values[axis.key] && k.others === otherValues(r, axis.key)),
      }));
      const x = axis.scale === 'list'
        ? { field: 'x', type: 'nominal' as const, title: axis.key }
        : { field: 'x', type: 'quantitative' as const, title: axis.key, scale: { type: axis.scale === 'log' ? ('log' as const) : ('linear' as const) } };
      return {
        name: `sweep-${metric.name}-${axis.key.replace(/[^A-Za-z0-9]+/g, '-')}`,
        title: `${metric.label} against ${axis.key}`,
        caption: `${metric.label} of each strategy per deploy step as ${axis.key} varies; point shapes name the bottleneck the model reported, triangles mark the knee (one more step gains under 10%).`,
        spec: {
          $schema: VEGA_LITE_SCHEMA,
          config: CHART_CONFIG,
          data: { values },
          facet: { field: 'step', type: 'nominal', title: 'deploy step' },
          columns: 3,
          resolve: { scale: { y: 'independent' } },
          spec: {
            width: 260,
            height: 180,
            layer: [
              {
                mark: { type: 'line', point: { filled: true } },
                encoding: {
                  x,
                  y: { field: 'seconds', type: 'quantitative', title: `${metric.label} (s)`, ...(axis.scale === 'log' ? { scale: { type: 'log' } } : {}) },
                  color: { field: 'strategy', type: 'nominal', title: 'strategy' },
                  strokeDash: { field: 'others', type: 'nominal', title: 'other keys' },
                  shape: { field: 'bottleneck', type: 'nominal', title: 'bottleneck' },
                  tooltip: [{ field: 'strategy' }, { field: 'x', title: axis.key }, { field: 'seconds', format: '.1f' }, { field: 'bottleneck' }],
                },
              },
              {
                transform: [{ filter: 'datum.knee' }],
                mark: { type: 'point', shape: 'triangle-up', size: 160, filled: false, color: '#000' },
                encoding: { x, y: { field: 'seconds', type: 'quantitative' } },
              },
            ],
          },
        },
      } satisfies Chart;
    }),
  );
}

function chartFigure(r: RenderedChart): string {
  return `<figure class="chart" id="chart-${r.chart.name}"><h3>${escapeHtml(r.chart.title)}</h3>${r.svg}<figcaption>${escapeHtml(r.chart.caption)} (<a href="charts/${r.chart.name}.png">PNG</a>)</figcaption></figure>`;
}

export function renderSweepHtml(results: SweepResults, charts: readonly RenderedChart[]): string {
  const answers = answerTable(results);
  const points = pointsTable(results);
  const knees = kneeLines(sweepKnees(results));
  const body = [
    `<h1>shipbench sweep: ${escapeHtml(results.scenario.name)}</h1><p>${escapeHtml(headline(results).replace(/[`*]/g, ''))}</p>`,
    answers === undefined ? '' : `<section><h2>Answer</h2>${htmlTable(answers.head, answers.rows)}</section>`,
    `<section><h2>Charts</h2>${charts.map(chartFigure).join('\n')}</section>`,
    `<section><h2>Knees</h2>${knees.length === 0 ? '<p>No curve flattens within the sweep.</p>' : `<ul>${knees.map((k) => `<li>${escapeHtml(k)}</li>`).join('')}</ul>`}</section>`,
    `<section><h2>Points</h2>${htmlTable(points.head, points.rows)}</section>`,
  ];
  return htmlPage(`shipbench sweep: ${results.scenario.name}`, body.join('\n'));
}

/** sweep.json, sweep.md, sweep.csv and sweep.html with its charts: results in, files out. */
export const sweepExporters = {
  json: async (results) => [{ path: 'sweep.json', content: `${JSON.stringify(sweepResultsSchema.parse(results), null, 1)}\n` }],
  md: async (results) => [{ path: 'sweep.md', content: renderSweepMarkdown(results) }],
  csv: async (results) => [{ path: 'sweep.csv', content: renderSweepCsv(results) }],
  html: async (results) => {
    const charts = await Promise.all(sweepCharts(results).map(renderChart));
    return [
      { path: 'sweep.html', content: renderSweepHtml(results, charts) },
      ...charts.flatMap((r) => [
        { path: `charts/${r.chart.name}.png`, content: r.png },
        { path: `charts/${r.chart.name}.vl.json`, content: `${JSON.stringify(r.chart.spec, null, 1)}\n` },
      ]),
    ];
  },
} satisfies Record<string, (results: SweepResults) => Promise<ExportedFile[]>>;
