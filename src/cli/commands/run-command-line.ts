import type { Argv, CommandModule } from 'yargs';
import { FORCE_OPTION } from '../force-option.ts';
import type { RunMechanisms } from '../../harness/mechanism-choice.ts';
import type { RunArgs } from './run.ts';

/**
 * `shipbench run`: its command line, loaded at start (for --help and parsing). The handler loads run.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const runCommandLine: CommandModule<object, RunArgs> = {
  command: 'run <file>',
  describe: 'Measure real rollouts both ways: nodes pull every strategy\'s images from a registry, and rsync each step\'s tree from proxies (code in a volume)',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file (YAML)', type: 'string', demandOption: true })
      .option('out', { alias: 'o', describe: 'output directory [default: reports/<scenario>/run-<time>]', type: 'string' })
      .option('force', FORCE_OPTION)
      .option('mechanism', {
        alias: 'm',
        describe: 'what to measure: scenario (image and volume, plus hybrid when the scenario has a hybrid: section), both (image and volume), all (image, volume, hybrid), or one side alone; hybrid: the master pulls and unpacks each step\'s image into the staging tree, then rsync ships it',
        choices: ['scenario', 'both', 'all', 'image', 'volume', 'hybrid'] as const satisfies readonly RunMechanisms[],
        default: 'scenario' as RunMechanisms,
      })
      .option('image', {
        describe: 'ship existing images instead of generating any (repeat it: one deploy step per image, in order): docker://HOST/REPO:TAG, http://HOST:PORT/REPO:TAG, an OCI layout DIR:TAG or a docker-archive file; copied with skopeo, digests kept; image side only',
        type: 'string',
        array: true,
      })
      .option('quiet', { alias: 'q', describe: 'no progress output (node failures and the summary are still printed)', type: 'boolean', default: false })
      .example('$0 run scenarios/quickstart.yaml', 'embedded registry, virtual nodes, three strategies and the rsync side')
      .example('$0 run scenarios/t264209.yaml --out reports/storm', 'the cold-pull storm')
      .example('$0 run scenarios/quickstart.yaml', 'with neighbours: in the scenario, co-located http/fio workloads are measured before, during and after each step')
      .example('sudo $0 run scenarios/engines-emulated.yaml', 'virtual vs Docker Engine vs containerd nodes on emulated hosts (netns, shaped NICs, loop disks)')
      .example('$0 run scenarios/t264209.yaml --image docker://registry.example/mw:v1 --image docker://registry.example/mw:v2', 'pull existing images (two deploy steps) with the scenario\'s fleet')
      .example('$0 run scenarios/deploy-week.yaml -m volume', 'only the rsync side: master, volume.proxies proxies, nodes')
      .epilog(
        'The volume side starts real rsync daemons (a master serving each step\'s tree, one per proxy) on loopback ports; nodes sync from their proxy (volume.assign) with rsync -a --delete, limited by fleet.node.nic. Its results carry strategy "volume".\n' +
          'Writes results.json (rewritten after every phase and step, so an interrupted run keeps what it measured), summary.md (volume and each layer strategy side by side per step), then report.md, report.html with charts/ (SVG, PNG and vega-lite spec of each chart) and samples.csv. Progress goes to stderr: bars on a terminal, a line every few seconds otherwise.\n' +
          'Exit codes: 0 ok, 1 some node deploys failed, 2 bad input or environment (rsync or the registry missing).',
      ),
  handler: async (argv) => (await import('./run.ts')).runCommand.handler(argv),
};
