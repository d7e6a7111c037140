import type { Argv, CommandModule } from 'yargs';
import { FORCE_OPTION } from '../force-option.ts';
import type { ExportFormat } from '../../report/exporters.ts';
import type { ReportArgs } from './report.ts';

// Listed here rather than taken from the exporter map, which would load every exporter at start; the
// compiler keeps the list complete.
const FORMATS = ['md', 'html', 'csv', 'summary'] as const satisfies ReadonlyArray<Exclude<ExportFormat, 'json'>>;
const everyFormatListed: Exclude<ExportFormat, 'json'> extends (typeof FORMATS)[number] ? true : never = true;
void everyFormatListed;

/**
 * `shipbench report`: its command line, loaded at start (for --help and parsing). The handler loads report.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const reportCommandLine: CommandModule<object, ReportArgs> = {
  command: 'report <results>',
  describe: 'Re-render reports from a results.json without re-running: Markdown, HTML with charts, CSV of samples',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('results', { describe: 'a results.json written by `run`', type: 'string', demandOption: true })
      .option('format', { alias: 'f', describe: 'formats to write (repeatable)', choices: FORMATS, type: 'string', array: true, default: ['md', 'html', 'csv'] })
      .option('out', { alias: 'o', describe: "output directory [default: the results file's directory]", type: 'string' })
      .option('force', FORCE_OPTION)
      .example('$0 report reports/quickstart/run-20260101-120000/results.json', 'report.md, report.html + charts/, samples.csv beside it')
      .example('$0 report results.json --format md --out /tmp/r', 'only the Markdown, elsewhere')
      .epilog('report.html is one self-contained file (inline SVG charts, nothing fetched when viewed); charts/ holds each chart as SVG, PNG and its vega-lite spec.\nExit codes: 0 ok, 2 the file is missing or not a results file of this version.') as unknown as Argv<ReportArgs>,
  handler: async (argv) => (await import('./report.ts')).reportCommand.handler(argv),
};
