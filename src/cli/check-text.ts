import { formatDelta, formatMetricValue } from '../report/budget-verdicts.ts';
import type { CheckReport } from '../report/check-report.ts';
import { textTable } from './text-table.ts';

/** The terminal view of `check`: one row per budget and figure, then what grew, in words. */
export function renderCheck(report: CheckReport): string {
  const failed = report.verdicts.filter((v) => !v.pass);
  const rows = report.verdicts.map((v) => [
    v.pass ? 'pass' : 'FAIL',
    v.name === undefined ? v.metric : `${v.metric} (${v.name})`,
    [v.strategy, v.step].filter((s) => s !== '').join(' / ') || '-',
    v.before === undefined ? '-' : formatMetricValue(v.metric, v.before),
    `${formatMetricValue(v.metric, v.after)}${v.estimated ? ' (est.)' : ''}`,
    formatDelta(v.metric, v.before, v.after) || '-',
    v.budget,
  ]);
  const out = [`${report.source.location} (${report.source.kind})${report.baseline === undefined ? '' : ` against ${report.baseline.location} (${report.baseline.kind})`}`];
  out.push(textTable(['result', 'metric', 'strategy / step', 'before', 'after', 'delta', 'budget'], rows, [3, 4, 5]));
  if (report.compressedEstimatedAtGzipLevel !== undefined) out.push(`(est.): layers are stored uncompressed; compressed sizes are gzip level ${report.compressedEstimatedAtGzipLevel} of them`);
  if (failed.length > 0) {
    out.push(`${failed.length} of ${report.verdicts.length} budgets failed:`);
    for (const v of failed) for (const f of v.failures) out.push(`  ${f}`);
  } else {
    out.push(`all ${report.verdicts.length} budgets hold`);
  }
  return `${out.join('\n')}\n`;
}
