import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../core/errors.ts';
import { prepareOutputDir } from '../../core/output-dir.ts';
import { formatBytes } from '../../core/units.ts';
import { assertEnginePrerequisites } from '../../nodes/isolation/engine-preflight.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir } from '../default-paths.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { renderComparisonMarkdown } from '../../report/comparison-matrix.ts';
import { rsyncVersion } from '../../volume/rsync-binary.ts';
import { type RunMechanisms, runBenchmark } from '../run-benchmark.ts';
import { runGenerate } from '../run-generate.ts';
import { renderRunSummary } from '../run-summary-text.ts';
import { renderNeighbourSummary } from '../neighbour-summary-text.ts';

interface RunArgs {
  file: string;
  out: string | undefined;
  mechanism: RunMechanisms;
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
      .example('$0 run scenarios/quickstart.yaml', 'embedded registry, virtual nodes, every strategy')
      .example('$0 run scenarios/t264209.yaml --out reports/storm', 'the cold-pull storm')
      .example('$0 run scenarios/quickstart.yaml', 'with neighbours: in the scenario, co-located http/fio workloads are measured before, during and after each step')
      .example('sudo $0 run scenarios/engines-emulated.yaml', 'virtual vs Docker Engine vs containerd nodes on emulated hosts (netns, shaped NICs, loop disks)')
      .example('$0 run scenarios/deploy-week.yaml -m volume', 'only the rsync side: master, volume.proxies proxies, nodes')
      .epilog(
        'The volume side starts real rsync daemons (a master serving each step\'s tree, one per proxy) on loopback ports; nodes sync from their proxy (volume.assign) with rsync -a --delete, limited by fleet.node.nic. Its results carry strategy "volume".\n' +
          'results.json is rewritten after every phase and step, so an interrupted run keeps what it measured; summary.md lays volume and each layer strategy side by side per step.\n' +
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
    // The volume side ships each step's plain tree, written beside the images.
    const images = await runGenerate(scenario, { outDir: defaultImagesDir(scenario.name), trees: argv.mechanism !== 'image', workers: undefined, onEvent: generateProgressPrinter() });
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
        onEvent: (event) => {
          if (event.type === 'phase') process.stderr.write(`${event.name}: ${event.detail}\n`);
          else if (event.type === 'step-start') process.stderr.write(`${event.strategy} ${event.step}${event.warmup ? ' (warmup)' : ''} repeat ${event.repeat}: ${event.nodes} nodes\n`);
          else if (event.type === 'node-done' && event.sample.error !== undefined) process.stderr.write(`  ${event.sample.node} failed: ${event.sample.error}\n`);
          else if (event.type === 'step-done') process.stderr.write(`  done in ${event.result.makespanSeconds.toFixed(2)} s, ${formatBytes(event.result.bytesDownloaded)} downloaded\n`);
          else if (event.type === 'neighbour-phase') process.stderr.write(`  neighbours: ${event.phase} ${event.seconds} s\n`);
          else if (event.type === 'neighbour-crashed') process.stderr.write(`  neighbour ${event.neighbour} crashed: ${event.message} (the rollout goes on; later steps leave it out)\n`);
          else if (event.type === 'daemons-started') process.stderr.write(`rsync daemons: master on port ${event.master.port}, ${event.proxies.map((p) => `${p.name} on ${p.port}`).join(', ')}\n`);
          else if (event.type === 'failover') process.stderr.write(`  ${event.node}: ${event.from} is down, ${event.to === undefined ? 'no proxy left' : `failing over to ${event.to}`} (${event.reason})\n`);
        },
      });
      process.stdout.write(renderRunSummary(results));
      process.stdout.write(renderNeighbourSummary(results));
      await writeFile(join(outDir, 'summary.md'), renderComparisonMarkdown(results));
      process.stdout.write(`results: ${join(outDir, 'results.json')}\nsummary: ${join(outDir, 'summary.md')}\n`);
      if (results.status === 'interrupted') process.exitCode = 130;
      else if (results.status !== 'completed') process.exitCode = ExitCode.internal;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  },
};
