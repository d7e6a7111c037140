import { dirname, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { claimOutputDir } from '../../core/output-contract.ts';
import { FORCE_DESCRIPTION } from '../default-paths.ts';
import { EXPORT_FORMATS, exporters, type ExportFormat } from '../../report/exporters.ts';
import { CHARTS_DIR } from '../../report/html-report.ts';
import { readResultsFile } from '../../report/read-results.ts';
import { writeExports } from '../write-exports.ts';

interface ReportArgs {
  results: string;
  format: ExportFormat[];
  out: string | undefined;
  force: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <results>',
  describe: 'Re-render reports from a results.json without re-running: Markdown, HTML with charts, CSV of samples',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('results', { describe: 'a results.json written by `run`', type: 'string', demandOption: true })
      .option('format', { alias: 'f', describe: 'formats to write (repeatable)', choices: EXPORT_FORMATS.filter((f) => f !== 'json'), type: 'string', array: true, default: ['md', 'html', 'csv'] })
      .option('out', { alias: 'o', describe: "output directory [default: the results file's directory]", type: 'string' })
      .option('force', { describe: FORCE_DESCRIPTION, type: 'boolean', default: false })
      .example('$0 report reports/quickstart/run-20260101-120000/results.json', 'report.md, report.html + charts/, samples.csv beside it')
      .example('$0 report results.json --format md --out /tmp/r', 'only the Markdown, elsewhere')
      .epilog('report.html is one self-contained file (inline SVG charts, nothing fetched when viewed); charts/ holds each chart as SVG, PNG and its vega-lite spec.\nExit codes: 0 ok, 2 the file is missing or not a results file of this version.') as unknown as Argv<ReportArgs>,
  handler: async (argv) => {
    const results = await readResultsFile(argv.results);
    const outDir = argv.out ?? dirname(argv.results);
    await claimOutputDir(outDir, { command: 'report', force: argv.force });
    for (const format of [...new Set(argv.format)]) {
      const files = await exporters[format](results);
      await writeExports(outDir, files);
      // One line per report; the chart files (three per chart) are summed up.
      const charts = files.filter((f) => f.path.startsWith(`${CHARTS_DIR}/`)).length;
      for (const f of files) if (!f.path.startsWith(`${CHARTS_DIR}/`)) process.stdout.write(`${join(outDir, f.path)}\n`);
      if (charts > 0) process.stdout.write(`${join(outDir, CHARTS_DIR)}/ (${charts / 3} charts as SVG, PNG and vega-lite spec)\n`);
    }
  },
};
