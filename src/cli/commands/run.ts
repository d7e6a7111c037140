import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { ExitCode } from '../../core/errors.ts';
import { assertReplaceable, claimOutputDir } from '../../core/output-contract.ts';
import { assertEnginePrerequisites } from '../../nodes/isolation/engine-preflight.ts';
import { exporters } from '../../report/exporters.ts';
import type { RunResults } from '../../report/results.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir } from '../default-paths.ts';
import { assertFleetFits } from '../fleet-capacity.ts';
import { assertRegistryReachable } from '../registry-preflight.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { renderComparisonMarkdown } from '../../report/comparison-matrix.ts';
import { rsyncVersion } from '../../volume/rsync-binary.ts';
import { type RunMechanisms, runBenchmark } from '../run-benchmark.ts';
import { runGenerate } from '../run-generate.ts';
import { runProgressPrinter } from '../run-progress.ts';
import { renderRunSummary } from '../run-summary-text.ts';
import { renderNeighbourSummary } from '../neighbour-summary-text.ts';
import { writeExports } from '../write-exports.ts';

export interface RunArgs {
  file: string;
  out: string | undefined;
  mechanism: RunMechanisms;
  quiet: boolean;
  force: boolean;
}

/** Work directories a run creates under OUT and removes at its end (run-benchmark.ts, neighbour-session.ts). */
const RUN_WORK_DIRS = ['.nodes', '.volume', '.neighbours'] as const;

/** report.md, report.html (+ charts/) and samples.csv beside results.json; a rendering failure never costs the results. */
async function writeReports(outDir: string, results: RunResults): Promise<void> {
  try {
    for (const format of ['md', 'html', 'csv'] as const) await writeExports(outDir, await exporters[format](results));
    process.stdout.write(`report: ${join(outDir, 'report.md')}, ${join(outDir, 'report.html')} (charts in ${join(outDir, 'charts')}), samples: ${join(outDir, 'samples.csv')}\n`);
  } catch (error) {
    process.stderr.write(`warning: could not write the reports (${error instanceof Error ? error.message : String(error)}); results.json is complete\n  fix: rerun \`shipbench report ${join(outDir, 'results.json')}\`\n`);
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export const runCommand: Pick<CommandModule<object, RunArgs>, 'handler'> = {
  handler: async (argv) => {
    const { scenario } = await loadResolvedScenario(argv.file);
    // Real engines need root and kernel features: say so before generating anything.
    assertEnginePrerequisites(scenario.fleet);
    const outDir = argv.out ?? join('reports', scenario.name, `run-${timestamp()}`);
    // A fleet beyond this machine is refused before anything is created or generated.
    await assertFleetFits(scenario, outDir, argv.mechanism);
    const claim = await claimOutputDir(outDir, { command: 'run', force: argv.force });
    // The run empties and removes these at its end: in a directory that is not shipbench's, only when new.
    for (const name of RUN_WORK_DIRS) await assertReplaceable(join(outDir, name), 'a run\'s work directory', async () => claim.owned);
    // A missing rsync or an unreachable registry is said before minutes of generating, not after.
    if (argv.mechanism !== 'image') await rsyncVersion();
    if (argv.mechanism !== 'volume') await assertRegistryReachable(scenario);
    // The images (and each step's plain tree for the volume side) go under --out when it is given; the
    // default shares reports/<scenario>/images (and its layer cache) with `generate`.
    const imagesDir = argv.out === undefined ? defaultImagesDir(scenario.name) : join(outDir, 'images');
    const images = await runGenerate(scenario, { outDir: imagesDir, owner: { command: 'run', force: argv.force }, trees: argv.mechanism !== 'image', workers: undefined, onEvent: generateProgressPrinter(process.stderr, { quiet: argv.quiet }) });
    const abort = new AbortController();
    const onSigint = () => {
      process.stderr.write('\ninterrupted: stopping nodes, the registry and the rsync daemons, keeping what was measured\n');
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    // SIGTERM too: real engines leave namespaces, mounts and daemons unless teardown gets to run.
    process.on('SIGTERM', onSigint);
    try {
      const results = await runBenchmark({
        scenario,
        images,
        outDir,
        mechanisms: argv.mechanism,
        signal: abort.signal,
        onEvent: runProgressPrinter({ quiet: argv.quiet }),
      });
      process.stdout.write(renderRunSummary(results));
      process.stdout.write(renderNeighbourSummary(results));
      await writeFile(join(outDir, 'summary.md'), renderComparisonMarkdown(results));
      process.stdout.write(`results: ${join(outDir, 'results.json')}\nsummary: ${join(outDir, 'summary.md')}\n`);
      await writeReports(outDir, results);
      if (results.status === 'interrupted') process.exitCode = 130;
      else if (results.status !== 'completed') process.exitCode = ExitCode.internal;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  },
};
