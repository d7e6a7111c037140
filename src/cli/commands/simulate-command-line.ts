import type { Argv, CommandModule } from 'yargs';
import type { SimulateArgs } from './simulate.ts';

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
      .option('calibrate', { describe: 'results.json of a real run of this scenario: take its measured rates as model parameters and report the error', type: 'string' })
      .example('$0 simulate scenarios/wikimedia-fleet.yaml', 'volume vs image vs cache vs P2P on a two-data-centre fleet')
      .example('$0 simulate scenarios/quickstart.yaml --calibrate reports/quickstart/run-x/results.json', 'simulated beside measured')
      .epilog('Strategy names in results: a layer strategy (direct from the registry), <strategy>@cache, <strategy>@p2p, and volume (rsync via proxies).\nExit codes: 0 ok, 1 internal error, 2 bad input.'),
  handler: async (argv) => (await import('./simulate.ts')).simulateCommand.handler(argv),
};
