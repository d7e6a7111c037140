import type { Argv, CommandModule } from 'yargs';
import { ShipbenchError } from '../../core/errors.ts';
import { comparisonCaveats } from '../../report/comparison-caveats.ts';
import { COMPARISON_HEAD, comparisonCells, comparisonFootnote, compareRuns } from '../../report/comparison.ts';
import { renderHtmlComparison } from '../../report/html-report.ts';
import { renderMarkdownComparison } from '../../report/markdown-report.ts';
import { readResultsFile } from '../../report/read-results.ts';
import type { ComparisonTest } from '../../stats/compare-samples.ts';
import { textTable } from '../text-table.ts';

interface CompareArgs {
  before: string;
  after: string;
  format: 'text' | 'md' | 'html' | 'json';
  test: ComparisonTest;
  alpha: number;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <before> <after>',
  describe: 'Compare two runs (e.g. before and after a layer change): medians, deltas and significance, benchstat-style',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('before', { describe: 'results.json of the baseline run (A)', type: 'string', demandOption: true })
      .positional('after', { describe: 'results.json of the candidate run (B)', type: 'string', demandOption: true })
      .option('format', { alias: 'f', describe: 'output format', choices: ['text', 'md', 'html', 'json'] as const, default: 'text' as const })
      .option('test', { describe: 'significance test', choices: ['mann-whitney', 'welch'] as const, default: 'mann-whitney' as const })
      .option('alpha', { describe: 'significance level', type: 'number', default: 0.05 })
      .example('$0 compare before/results.json after/results.json', 'terminal table')
      .example('$0 compare a.json b.json --format md > comparison.md', 'for a PR comment or Phabricator task')
      .epilog(
        'For every strategy and deploy step in both runs: node time and bytes downloaded per node, each as median ± its 95% interval, the change of the median from A to B with its interval, and a two-sided test (Mann-Whitney U by default). Comparing a simulated run with a measured one, or two different scenarios (name, seed or content), prints a WARNING first (a "warnings" list in --format json). A `~` means the difference is not significant at --alpha: read it as "no measurable change", not as 0%. "too few samples" means no result could be significant with so few samples: raise measure.repeat or fleet.nodes.\nExit codes: 0 compared (whatever the verdict), 2 a file is missing or not a results file.',
      ) as unknown as Argv<CompareArgs>,
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
