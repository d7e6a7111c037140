import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../core/errors.ts';
import { prepareOutputDir } from '../../core/output-dir.ts';
import { assertEnginePrerequisites } from '../../nodes/isolation/engine-preflight.ts';
import { exporters } from '../../report/exporters.ts';
import type { RunResults } from '../../report/results.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir } from '../default-paths.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { renderComparisonMarkdown } from '../../report/comparison-matrix.ts';
import { rsyncVersion } from '../../volume/rsync-binary.ts';
import { type RunMechanisms, runBenchmark } from '../run-benchmark.ts';
import { runGenerate } from '../run-generate.ts';
import { recordInterruptedBeforeRun, watchRunInterrupts } from '../run-interrupts.ts';
import { runProgressPrinter } from '../run-progress.ts';
import { renderRunSummary } from '../run-summary-text.ts';
import { renderNeighbourSummary } from '../neighbour-summary-text.ts';
import { writeExports } from '../write-exports.ts';

interface RunArgs {
  file: string;
  out: string | undefined;
  mechanism: RunMechanisms;
  quiet: boolean;
}

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

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <file>',
  describe: 'Measure real rollouts both ways: nodes pull every strategy\'s images from a registry, and rsync each step\'s tree from proxies (code in a volume)',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file (YAML)', type: 'string', demandOption: true })
      .option('out', { alias: 'o', describe: 'output directory [default: reports/<scenario>/run-<time>]', type: 'string' })
      .option('mechanism', {
        alias: 'm',
        describe: 'what to measure: both (the comparison), only the image side, or only the volume (rsync) side',
        choices: ['both', 'image', 'volume'] as const,
        default: 'both' as RunMechanisms,
      })
      .option('quiet', { alias: 'q', describe: 'no progress output (node failures and the summary are still printed)', type: 'boolean', default: false })
      .example('$0 run scenarios/quickstart.yaml', 'embedded registry, virtual nodes, three strategies and the rsync side')
      .example('$0 run scenarios/t264209.yaml --out reports/storm', 'the cold-pull storm')
      .example('$0 run scenarios/quickstart.yaml', 'with neighbours: in the scenario, co-located http/fio workloads are measured before, during and after each step')
      .example('sudo $0 run scenarios/engines-emulated.yaml', 'virtual vs Docker Engine vs containerd nodes on emulated hosts (netns, shaped NICs, loop disks)')
      .example('$0 run scenarios/deploy-week.yaml -m volume', 'only the rsync side: master, volume.proxies proxies, nodes')
      .epilog(
        'The volume side starts real rsync daemons (a master serving each step\'s tree, one per proxy) on loopback ports; nodes sync from their proxy (volume.assign) with rsync -a --delete, limited by fleet.node.nic. Its results carry strategy "volume".\n' +
          'Writes results.json (rewritten after every phase and step, so an interrupted run keeps what it measured), summary.md (volume and each layer strategy side by side per step), then report.md, report.html with charts/ (SVG, PNG and vega-lite spec of each chart) and samples.csv. Progress goes to stderr: bars on a terminal, a line every few seconds otherwise.\n' +
          'Exit codes: 0 ok, 1 some node deploys failed, 2 bad input or environment (rsync or the registry missing).',
      ),
  handler: async (argv) => {
    const { scenario } = await loadResolvedScenario(argv.file);
    // Real engines need root and kernel features: say so before generating anything.
    assertEnginePrerequisites(scenario.fleet);
    const outDir = argv.out ?? join('reports', scenario.name, `run-${timestamp()}`);
    await prepareOutputDir(outDir, 0, 'the results');
    // A missing rsync is said before minutes of generating, not after.
    if (argv.mechanism !== 'image') await rsyncVersion();
    // From here on, Ctrl-C and SIGTERM stop the run, keep what it measured, and exit 130.
    const interrupts = watchRunInterrupts();
    try {
      // The volume side ships each step's plain tree, written beside the images.
      const images = await runGenerate(scenario, { outDir: defaultImagesDir(scenario.name), trees: argv.mechanism !== 'image', workers: undefined, onEvent: generateProgressPrinter(process.stderr, { quiet: argv.quiet }), signal: interrupts.signal }).catch(
        async (error: unknown) => {
          if (!interrupts.signal.aborted) throw error;
          process.stdout.write(`results: ${await recordInterruptedBeforeRun(outDir, scenario, 'generate')}\n`);
          return undefined;
        },
      );
      const results =
        images === undefined
          ? undefined
          : await runBenchmark({ scenario, images, outDir, mechanisms: argv.mechanism, signal: interrupts.signal, onEvent: runProgressPrinter({ quiet: argv.quiet }) }).catch((error: unknown) => {
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
      await writeFile(join(outDir, 'summary.md'), renderComparisonMarkdown(results));
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
