import type { Argv, CommandModule } from 'yargs';
import { FORCE_OPTION } from '../force-option.ts';
import type { InspectArgs } from './inspect.ts';

/**
 * `shipbench inspect`: its command line, loaded at start (for --help and parsing). The handler loads inspect.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const inspectCommandLine: CommandModule<object, InspectArgs> = {
  command: 'inspect <source>',
  describe: 'Layers of each image and what each deploy step costs a node, per layer strategy',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('source', { describe: 'a scenario file, an OCI layout dir, or a generate output dir', type: 'string', demandOption: true })
      .option('json', { describe: 'print JSON for machines instead of tables', type: 'boolean', default: false })
      .option('out', { alias: 'o', describe: 'where a scenario\'s images are generated [default: reports/<scenario>/images]', type: 'string' })
      .option('force', FORCE_OPTION)
      .example('$0 inspect scenarios/quickstart.yaml', 'generate (or reuse) and inspect every strategy')
      .example('$0 inspect reports/quickstart/images/per-version --json', 'one layout, as JSON'),
  handler: async (argv) => (await import('./inspect.ts')).inspectCommand.handler(argv),
};
