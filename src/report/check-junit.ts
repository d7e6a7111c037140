import { formatDelta, formatMetricValue } from './budget-verdicts.ts';
import type { CheckReport } from './check-report.ts';

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML, the format CI systems (Jenkins, GitLab, GitHub reporters) show as tests: one test case per budget and figure. */
export function checkJunit(report: CheckReport): string {
  const failures = report.verdicts.filter((v) => !v.pass).length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="shipbench check" tests="${report.verdicts.length}" failures="${failures}" errors="0">`);
  out.push(`  <testsuite name="${xml(`budgets: ${report.source.location}`)}" tests="${report.verdicts.length}" failures="${failures}" errors="0" skipped="0">`);
  for (const v of report.verdicts) {
    const subject = [v.strategy, v.step].filter((s) => s !== '').join('/') || 'image';
    const name = `${v.metric} ${subject}: ${v.budget}`;
    const figures = `after ${formatMetricValue(v.metric, v.after)}${v.before === undefined ? '' : `, before ${formatMetricValue(v.metric, v.before)}, delta ${formatDelta(v.metric, v.before, v.after)}`}`;
    out.push(`    <testcase classname="${xml(`shipbench.check.${v.rule}`)}" name="${xml(name)}" time="0">`);
    if (!v.pass) out.push(`      <failure message="${xml(v.failures.join('; '))}" type="budget">${xml(`${v.failures.join('\n')}\n${figures}`)}</failure>`);
    else out.push(`      <system-out>${xml(figures)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
