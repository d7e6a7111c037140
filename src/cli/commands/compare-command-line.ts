import type { Argv, CommandModule } from 'yargs';
import type { CompareArgs } from './compare.ts';

/**
 * `shipbench compare`: its command line, loaded at start (for --help and parsing). The handler loads compare.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const compareCommandLine: CommandModule<object, CompareArgs> = {
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
  handler: async (argv) => (await import('./compare.ts')).compareCommand.handler(argv),
};
