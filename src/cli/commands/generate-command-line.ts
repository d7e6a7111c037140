import type { Argv, CommandModule } from 'yargs';
import { FORCE_OPTION } from '../force-option.ts';
import { ShipbenchError } from '../../core/errors.ts';
import type { GenerateArgs } from './generate.ts';

/**
 * `shipbench generate`: its command line, loaded at start (for --help and parsing). The handler loads generate.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const generateCommandLine: CommandModule<object, GenerateArgs> = {
  command: 'generate <file>',
  describe: 'Write the scenario\'s images: one OCI layout per layer strategy, one image per deploy step',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file (YAML)', type: 'string', demandOption: true })
      .option('out', { alias: 'o', describe: 'output directory [default: reports/<scenario>/images]', type: 'string' })
      .option('force', FORCE_OPTION)
      .option('tree', { describe: 'also write each step\'s plain code tree under OUT/trees/<step>/ (the code-in-volume side)', type: 'boolean', default: false })
      .option('workers', { describe: 'gzip worker threads [default: one per core]', type: 'number' })
      .check((argv) => {
        if (argv.workers !== undefined && !(Number.isInteger(argv.workers) && argv.workers >= 1)) throw new ShipbenchError('usage', '--workers takes a whole number of at least 1');
        return true;
      })
      .example('$0 generate scenarios/quickstart.yaml', 'write reports/quickstart/images/<strategy>/')
      .example('skopeo inspect oci:reports/quickstart/images/monolithic:backport-1', 'look at one step\'s image with a real peer')
      .epilog('Layers are cached by content under OUT/.cache: a second run of the same scenario rebuilds nothing.'),
  handler: async (argv) => (await import('./generate.ts')).generateCommand.handler(argv),
};
