import { dirname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { claimOutputDir } from '../../core/output-contract.ts';
import { exporters, type ExportFormat } from '../../report/exporters.ts';
import { CHARTS_DIR } from '../../report/html-report.ts';
import { readResultsFile } from '../../report/read-results.ts';
import { writeExports } from '../write-exports.ts';

export interface ReportArgs {
  results: string;
  format: ExportFormat[];
  out: string | undefined;
  force: boolean;
}

export const reportCommand: Pick<CommandModule<object, ReportArgs>, 'handler'> = {
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
