import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { ExitCode, ShipbenchError } from '../../core/errors.ts';
import { assertReplaceable, claimOutputDir } from '../../core/output-contract.ts';
import { assertEnginePrerequisites } from '../../nodes/isolation/engine-preflight.ts';
import { exporters } from '../../report/exporters.ts';
import type { RunResults } from '../../report/results.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir, defaultTimedDir } from '../default-paths.ts';
import { assertFleetFits } from '../fleet-capacity.ts';
import { assertRegistryReachable } from '../registry-preflight.ts';
import { assertDockerHostsReachable } from '../docker-hosts-preflight.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { rsyncVersion } from '../../volume/rsync-binary.ts';
import { mechanismKinds } from '../../harness/mechanism-choice.ts';
import { type RunMechanisms, runBenchmark } from '../run-benchmark.ts';
import { runGenerate } from '../run-generate.ts';
import { importExternalImages } from '../external-images.ts';
import { recordInterruptedBeforeRun, watchRunInterrupts } from '../run-interrupts.ts';
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
  /** `--image`: existing images to ship as deploy steps, in order (no generation). */
  image?: string[] | undefined;
}

/** Work directories a run creates under OUT and removes at its end (run-benchmark.ts, neighbour-session.ts). */
const RUN_WORK_DIRS = ['.nodes', '.volume', '.hybrid', '.neighbours'] as const;

/** report.md, report.html (+ charts/) and samples.csv beside results.json; a rendering failure never costs the results. */
async function writeReports(outDir: string, results: RunResults): Promise<void> {
  try {
    for (const format of ['md', 'html', 'csv'] as const) await writeExports(outDir, await exporters[format](results));
    process.stdout.write(`report: ${join(outDir, 'report.md')}, ${join(outDir, 'report.html')} (charts in ${join(outDir, 'charts')}), samples: ${join(outDir, 'samples.csv')}\n`);
  } catch (error) {
    process.stderr.write(`warning: could not write the reports (${error instanceof Error ? error.message : String(error)}); results.json is complete\n  fix: rerun \`shipbench report ${join(outDir, 'results.json')}\`\n`);
  }
}

export const runCommand: Pick<CommandModule<object, RunArgs>, 'handler'> = {
  handler: async (argv) => {
    const { scenario: loaded } = await loadResolvedScenario(argv.file);
    const external = argv.image ?? [];
    if (external.length > 0 && argv.mechanism !== 'scenario' && argv.mechanism !== 'image') {
      throw new ShipbenchError('usage', `--image ships existing images from a registry, so it measures the image side only, not --mechanism ${argv.mechanism}`, { hint: 'drop --mechanism, or use -m image' });
    }
    const mechanism: RunMechanisms = external.length > 0 ? 'image' : argv.mechanism;
    let scenario = loaded;
    // Real engines need root and kernel features: say so before generating anything.
    assertEnginePrerequisites(scenario.fleet);
    const outDir = argv.out ?? defaultTimedDir(scenario.name, 'run');
    // A fleet beyond this machine is refused before anything is created or generated.
    await assertFleetFits(scenario, outDir, mechanism);
    const claim = await claimOutputDir(outDir, { command: 'run', force: argv.force });
    // The run empties and removes these at its end: in a directory that is not shipbench's, only when new.
    for (const name of RUN_WORK_DIRS) await assertReplaceable(join(outDir, name), 'a run\'s work directory', async () => claim.owned);
    // A missing rsync, an unreachable registry or engine host is said before minutes of generating, not after.
    const kinds = mechanismKinds(mechanism, scenario);
    if (kinds.some((k) => k !== 'image')) await rsyncVersion();
    if (kinds.some((k) => k !== 'volume')) await assertRegistryReachable(scenario);
    await assertDockerHostsReachable(scenario, kinds);
    // From here on, Ctrl-C and SIGTERM stop the run, keep what it measured, and exit 130.
    const interrupts = watchRunInterrupts();
    try {
      // The images (and each step's plain tree for the volume side) go under --out when it is given; the
      // default shares reports/<scenario>/images (and its layer cache) with `generate`.
      const imagesDir = argv.out === undefined ? defaultImagesDir(scenario.name) : join(outDir, 'images');
      const generateOptions = { outDir: imagesDir, owner: { command: 'run', force: argv.force }, trees: kinds.includes('volume'), workers: undefined, onEvent: generateProgressPrinter(process.stderr, { quiet: argv.quiet }), signal: interrupts.signal };
      const generated = external.length > 0 ? importExternalImages(scenario, external, imagesDir).then((imported) => ((scenario = imported.scenario), imported.images)) : runGenerate(scenario, generateOptions);
      const images = await generated.catch(
        async (error: unknown) => {
          if (!interrupts.signal.aborted) throw error;
          process.stdout.write(`results: ${await recordInterruptedBeforeRun(outDir, scenario, 'generate')}\n`);
          return undefined;
        },
      );
      const results =
        images === undefined
          ? undefined
          : await runBenchmark({ scenario, images, outDir, mechanisms: mechanism, signal: interrupts.signal, onEvent: runProgressPrinter({ quiet: argv.quiet }) }).catch((error: unknown) => {
              // Interrupted: the harness has recorded what finished, and says where it stopped.
              if (!interrupts.signal.aborted) throw error;
              process.stdout.write(`results: ${join(outDir, 'results.json')}\n`);
              return undefined;
            });
      if (results === undefined) {
        process.exitCode = 130;
        return;
      }
      process.stdout.write(renderRunSummary(results));
      process.stdout.write(renderNeighbourSummary(results));
      await writeExports(outDir, await exporters.summary(results));
      process.stdout.write(`results: ${join(outDir, 'results.json')}\nsummary: ${join(outDir, 'summary.md')}\n`);
      // Interrupted: out within seconds; the charts can be drawn later from results.json.
      if (results.status === 'interrupted') process.stdout.write(`reports: not drawn after an interruption; run \`shipbench report ${join(outDir, 'results.json')}\`\n`);
      else await writeReports(outDir, results);
      if (results.status === 'interrupted') process.exitCode = 130;
      else if (results.status !== 'completed') process.exitCode = ExitCode.internal;
    } finally {
      interrupts.dispose();
    }
  },
};
