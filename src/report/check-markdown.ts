import { formatDelta, formatMetricValue } from './budget-verdicts.ts';
import type { CheckReport } from './check-report.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const where = (v: { strategy: string; step: string }) => [v.strategy, v.step].filter((s) => s !== '').join(' / ') || '-';

/**
 * A PR comment (GitHub, GitLab) or Phabricator task comment: a headline verdict, one table row per budget
 * and figure (before, after, delta, budget, result), failures first, then what grew in words.
 */
export function checkMarkdown(report: CheckReport): string {
  const failed = report.verdicts.filter((v) => !v.pass);
  const rows = [...failed, ...report.verdicts.filter((v) => v.pass)];
  const out: string[] = [];
  out.push(`### shipbench check: ${failed.length === 0 ? `all ${report.verdicts.length} budgets hold` : `${failed.length} of ${report.verdicts.length} budgets failed`}`);
  out.push('');
  out.push(`Source: \`${report.source.location}\` (${report.source.kind})${report.baseline === undefined ? '' : `; baseline: \`${report.baseline.location}\` (${report.baseline.kind})`}`);
  out.push('');
  out.push('| result | metric | strategy / step | before | after | delta | budget |');
  out.push('| --- | --- | --- | ---: | ---: | ---: | --- |');
  for (const v of rows) {
    const after = `${formatMetricValue(v.metric, v.after)}${v.estimated ? ' (est.)' : ''}`;
    out.push(
      `| ${v.pass ? 'pass' : '**FAIL**'} | ${cell(v.name === undefined ? v.metric : `${v.metric} (${v.name})`)} | ${cell(where(v))} | ${v.before === undefined ? '-' : formatMetricValue(v.metric, v.before)} | ${after} | ${formatDelta(v.metric, v.before, v.after) || '-'} | ${cell(v.budget)} |`,
    );
  }
  if (failed.length > 0) {
    out.push('');
    out.push('What grew:');
    out.push('');
    for (const v of failed) for (const f of v.failures) out.push(`- ${f}`);
  }
  if (report.compressedEstimatedAtGzipLevel !== undefined) {
    out.push('');
    out.push(`(est.): the source stores layers uncompressed; compressed sizes are its layers gzipped at level ${report.compressedEstimatedAtGzipLevel}.`);
  }
  return `${out.join('\n')}\n`;
}
