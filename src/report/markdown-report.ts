import { COMPARISON_HEAD, comparisonCells, comparisonFootnote, compareRuns, compareStrategies, type ComparisonRow } from './comparison.ts';
import { comparisonCaveats } from './comparison-caveats.ts';
import { cadenceTables } from './cadence-tables.ts';
import { deployLatencyRows, deployLatencyTable } from './deploy-latency.ts';
import { deployVerdict, verdictSentence, verdictTable } from './deploy-verdict.ts';
import { markdownTable } from './markdown-table.ts';
import { matrixTables, runHeadline, summaryTable, warningLines, type Table } from './report-sections.ts';
import type { RunResults } from './results.ts';
import { analyzeRun } from './run-analysis.ts';

const section = (t: Table) => `## ${t.title}\n\n${t.note}\n\n${markdownTable(t.head, t.rows, t.numeric)}\n`;

function comparisonSection(title: string, rows: readonly ComparisonRow[]): string {
  if (rows.length === 0) return '';
  return `## ${title}\n\n${comparisonFootnote(rows)}\n\n${markdownTable([...COMPARISON_HEAD], comparisonCells(rows), [3, 4, 5])}\n`;
}

function warningsSection(results: RunResults): string {
  const lines = warningLines(analyzeRun(results).warnings);
  const body = lines.length === 0 ? 'None.' : lines.map((w) => `- ${w.message}\n  - **fix:** ${w.fix}`).join('\n');
  return `## Warnings\n\n${body}\n`;
}

function verdictSection(analysis: ReturnType<typeof analyzeRun>): string {
  const verdict = deployVerdict(analysis);
  if (verdict.rows.length === 0) return '';
  const sentences = verdict.rows.map((r) => `- ${verdictSentence(r)}`).join('\n');
  const chart = `The same as a chart: \`charts/deploy-verdict.png\` (written with the HTML report).`;
  return `${section(verdictTable(verdict))}\n${sentences}\n\n${chart}\n`;
}

/** report.md: the verdict first, then the tables behind it, to paste into a Phabricator task or a PR comment. */
export function renderMarkdownReport(results: RunResults): string {
  const analysis = analyzeRun(results);
  const base = analysis.strategies[0];
  return [
    `# shipbench report: ${results.scenario.name}\n\n${runHeadline(results)}\n`,
    verdictSection(analysis),
    section(summaryTable(analysis)),
    ...matrixTables(analysis).map(section),
    ...[deployLatencyTable(deployLatencyRows(analysis))].flatMap((t) => (t === undefined ? [] : [section(t)])),
    ...cadenceTables(results, analysis).map(section),
    comparisonSection(`Strategies against ${base ?? '-'}`, compareStrategies(results)),
    warningsSection(results),
  ]
    .filter((s) => s !== '')
    .join('\n');
}

/** `compare A B --format md`: the significance-tested table of two runs. */
export function renderMarkdownComparison(before: RunResults, after: RunResults, rows: readonly ComparisonRow[] = compareRuns(before, after)): string {
  return [
    `# shipbench comparison\n`,
    ...comparisonCaveats(before, after).map((c) => `> **Warning:** ${c.message}.\n`),
    `A: \`${before.scenario.name}\` started ${before.startedAt} (${before.source})\nB: \`${after.scenario.name}\` started ${after.startedAt} (${after.source})\n`,
    rows.length === 0 ? 'The runs share no strategy and step: nothing to compare.\n' : comparisonSection('A -> B', rows),
  ].join('\n');
}
