import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../core/errors.ts';
import { prepareOutputDir } from '../../core/output-dir.ts';
import { formatBytes } from '../../core/units.ts';
import { assertEnginePrerequisites } from '../../nodes/isolation/engine-preflight.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir } from '../default-paths.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { runBenchmark } from '../run-benchmark.ts';
import { runGenerate } from '../run-generate.ts';
import { renderRunSummary } from '../run-summary-text.ts';
import { renderNeighbourSummary } from '../neighbour-summary-text.ts';

interface RunArgs {
  file: string;
  out: string | undefined;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <file>',
  describe: 'Measure real rollouts: push every strategy\'s images to a registry and let the nodes pull and unpack each deploy step',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file (YAML)', type: 'string', demandOption: true })
      .option('out', { alias: 'o', describe: 'output directory [default: reports/<scenario>/run-<time>]', type: 'string' })
      .example('$0 run scenarios/quickstart.yaml', 'embedded registry, virtual nodes, every strategy')
      .example('$0 run scenarios/t264209.yaml --out reports/storm', 'the cold-pull storm')
      .example('$0 run scenarios/quickstart.yaml', 'with neighbours: in the scenario, co-located http/fio workloads are measured before, during and after each step')
      .example('sudo $0 run scenarios/engines-emulated.yaml', 'virtual vs Docker Engine vs containerd nodes on emulated hosts (netns, shaped NICs, loop disks)')
      .epilog('results.json is rewritten after every phase and step, so an interrupted run keeps what it measured.\nExit codes: 0 ok, 1 some node deploys failed, 2 bad input or environment.'),
  handler: async (argv) => {
    const { scenario } = await loadResolvedScenario(argv.file);
    // Real engines need root and kernel features: say so before generating anything.
    assertEnginePrerequisites(scenario.fleet);
    const outDir = argv.out ?? join('reports', scenario.name, `run-${timestamp()}`);
    await prepareOutputDir(outDir, 0, 'the results');
    const images = await runGenerate(scenario, { outDir: defaultImagesDir(scenario.name), trees: false, workers: undefined, onEvent: generateProgressPrinter() });
    const abort = new AbortController();
    const onSigint = () => {
      process.stderr.write('\ninterrupted: stopping nodes and the registry, keeping what was measured\n');
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
        signal: abort.signal,
        onEvent: (event) => {
          if (event.type === 'phase') process.stderr.write(`${event.name}: ${event.detail}\n`);
          else if (event.type === 'step-start') process.stderr.write(`${event.strategy} ${event.step}${event.warmup ? ' (warmup)' : ''} repeat ${event.repeat}: ${event.nodes} nodes\n`);
          else if (event.type === 'node-done' && event.sample.error !== undefined) process.stderr.write(`  ${event.sample.node} failed: ${event.sample.error}\n`);
          else if (event.type === 'step-done') process.stderr.write(`  done in ${event.result.makespanSeconds.toFixed(2)} s, ${formatBytes(event.result.bytesDownloaded)} downloaded\n`);
          else if (event.type === 'neighbour-phase') process.stderr.write(`  neighbours: ${event.phase} ${event.seconds} s\n`);
          else if (event.type === 'neighbour-crashed') process.stderr.write(`  neighbour ${event.neighbour} crashed: ${event.message} (the rollout goes on; later steps leave it out)\n`);
        },
      });
      process.stdout.write(renderRunSummary(results));
      process.stdout.write(renderNeighbourSummary(results));
      process.stdout.write(`results: ${join(outDir, 'results.json')}\n`);
      if (results.status === 'interrupted') process.exitCode = 130;
      else if (results.status !== 'completed') process.exitCode = ExitCode.internal;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  },
};
