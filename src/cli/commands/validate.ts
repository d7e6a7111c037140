import type { Argv, CommandModule } from 'yargs';
import { ExitCode, ShipbenchError } from '../../core/errors.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { printShipbenchError } from '../report-failure.ts';

interface ValidateArgs {
  files: string[];
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <files..>',
  describe: 'Check scenario files without running anything: every problem, with file:line:col, at once',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('files', { describe: 'scenario files (YAML)', type: 'string', array: true, demandOption: true })
      .example('$0 validate scenarios/quickstart.yaml', 'check one scenario')
      .example('$0 validate scenarios/*.yaml', 'check several; exits 2 if any has a problem')
      .epilog('Exit codes: 0 every file is valid, 2 a file has problems or cannot be read.'),
  handler: async (argv) => {
    let failed = 0;
    for (const file of argv.files) {
      try {
        const { scenario } = await loadResolvedScenario(file);
        const steps = plural(scenario.deploy.length, 'step', 'steps');
        const strategies = plural(scenario.image.strategies.length, 'strategy', 'strategies');
        process.stdout.write(`${file}: ok (${steps}, ${strategies})\n`);
      } catch (error) {
        if (!(error instanceof ShipbenchError)) throw error;
        failed++;
        printShipbenchError(error);
      }
    }
    if (failed > 0) {
      if (argv.files.length > 1) process.stderr.write(`${failed} of ${argv.files.length} scenario files have problems\n`);
      process.exitCode = ExitCode.usage;
    }
  },
};
