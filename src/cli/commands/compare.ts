import type { CommandModule } from 'yargs';
import { ShipbenchError } from '../../core/errors.ts';
import { comparisonCaveats } from '../../report/comparison-caveats.ts';
import { COMPARISON_HEAD, comparisonCells, comparisonFootnote, compareRuns } from '../../report/comparison.ts';
import { renderHtmlComparison } from '../../report/html-report.ts';
import { renderMarkdownComparison } from '../../report/markdown-report.ts';
import { readResultsFile } from '../../report/read-results.ts';
import type { ComparisonTest } from '../../stats/compare-samples.ts';
import { textTable } from '../text-table.ts';

export interface CompareArgs {
  before: string;
  after: string;
  format: 'text' | 'md' | 'html' | 'json';
  test: ComparisonTest;
  alpha: number;
}

export const compareCommand: Pick<CommandModule<object, CompareArgs>, 'handler'> = {
  handler: async (argv) => {
    if (!(argv.alpha > 0 && argv.alpha < 1)) {
      throw new ShipbenchError('bad-alpha', `--alpha must be between 0 and 1 (exclusive), got ${argv.alpha}`, { hint: 'use e.g. --alpha 0.05' });
    }
    const before = await readResultsFile(argv.before);
    const after = await readResultsFile(argv.after);
    const rows = compareRuns(before, after, { test: argv.test, alpha: argv.alpha });
    const caveats = comparisonCaveats(before, after);
    // md/html/json usually go to a file: say it on the terminal too, not only inside the file.
    if (argv.format !== 'text') for (const c of caveats) process.stderr.write(`warning: ${c.message}\n`);
    if (argv.format === 'json') process.stdout.write(`${JSON.stringify({ a: argv.before, b: argv.after, warnings: caveats, rows }, null, 1)}\n`);
    else if (argv.format === 'md') process.stdout.write(renderMarkdownComparison(before, after, rows));
    else if (argv.format === 'html') process.stdout.write(renderHtmlComparison(before, after, rows));
    else if (rows.length === 0) process.stdout.write(`${caveats.map((c) => `WARNING: ${c.message}\n`).join('')}the runs share no strategy and step: nothing to compare\n`);
    else {
      for (const c of caveats) process.stdout.write(`WARNING: ${c.message}\n`);
      process.stdout.write(`A: ${argv.before}\nB: ${argv.after}\n`);
      process.stdout.write(`${textTable([...COMPARISON_HEAD], comparisonCells(rows), [3, 4, 5])}\n`);
      process.stdout.write(`${comparisonFootnote(rows).replace(/`/g, '')}\n`);
    }
  },
};
