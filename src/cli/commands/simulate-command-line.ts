import type { Argv, CommandModule } from 'yargs';
import { FORCE_OPTION } from '../force-option.ts';
import type { SimulateArgs } from './simulate.ts';
import type { CalibrationBackend } from '../../model/calibration-backend.ts';

/**
 * `shipbench simulate`: its command line, loaded at start (for --help and parsing). The handler loads simulate.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const simulateCommandLine: CommandModule<object, SimulateArgs> = {
  command: 'simulate <file>',
  describe: 'Model rollouts on 10s to 10,000s of nodes from the same scenario: no real I/O, results in the same schema as run',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file (YAML); its model: section sets capacities and topologies', type: 'string', demandOption: true })
      .option('out', { alias: 'o', describe: 'output directory [default: reports/<scenario>/simulate-<time>]', type: 'string' })
      .option('force', FORCE_OPTION)
      .option('calibrate', { describe: 'results.json of a real run of this scenario: take its measured rates as model parameters and report the error', type: 'string' })
      .option('calibrate-backend', { describe: 'with --calibrate on a run over several node backends: the backend to fit and compare [default: virtual]', choices: ['virtual', 'docker', 'containerd'] satisfies CalibrationBackend[] })
      .option('set', { describe: 'set a scenario key for this run, as if written in the file: KEY=VALUE (repeatable)', type: 'string', array: true })
      .option('sweep', { describe: 'simulate every value of a key: KEY=V1,V2,... or KEY=LOW..HIGH[+STEP|xFACTOR] (repeatable: the cartesian product)', type: 'string', array: true })
      .option('target', { describe: "with one --sweep: find where a target is met, e.g. 'makespan<=15m', 'p99<=2m step=train', 'registry-egress<=2TiB'", type: 'string' })
      .option('jobs', { alias: 'j', describe: 'sweep points simulated at once [default: the CPU count]', type: 'number' })
      .example('$0 simulate scenarios/wikimedia-fleet.yaml', 'volume vs image vs cache vs P2P on a two-data-centre fleet')
      .example('$0 simulate scenarios/quickstart.yaml --calibrate reports/quickstart/run-x/results.json', 'simulated beside measured')
      .example("$0 simulate scenarios/wikimedia-fleet.yaml --sweep model.registry.replicas=1..8 --target 'makespan<=15m'", 'registry replicas needed for a 15 minute rollout')
      .epilog('Strategy names in results: a layer strategy (direct from the registry), <strategy>@cache, <strategy>@p2p, <strategy>@tree, and volume (rsync via proxies).\nExit codes: 0 ok, 1 internal error, 2 bad input.'),
  handler: async (argv) => (await import('./simulate.ts')).simulateCommand.handler(argv),
};
