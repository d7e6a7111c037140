import type { Argv, CommandModule } from 'yargs';
import type { ValidateArgs } from './validate.ts';

/**
 * `shipbench validate`: its command line, loaded at start (for --help and parsing). The handler loads validate.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const validateCommandLine: CommandModule<object, ValidateArgs> = {
  command: 'validate <files..>',
  describe: 'Check scenario files without running anything: every problem, with file:line:col, at once',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('files', { describe: 'scenario files (YAML)', type: 'string', array: true, demandOption: true })
      .example('$0 validate scenarios/quickstart.yaml', 'check one scenario')
      .example('$0 validate scenarios/*.yaml', 'check several; exits 2 if any has a problem')
      .epilog('Exit codes: 0 every file is valid, 2 a file has problems or cannot be read.'),
  handler: async (argv) => (await import('./validate.ts')).validateCommand.handler(argv),
};
