import type { CommandModule } from 'yargs';
import { ExitCode, ShipbenchError } from '../../core/errors.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { printShipbenchError } from '../report-failure.ts';

export interface ValidateArgs {
  files: string[];
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export const validateCommand: Pick<CommandModule<object, ValidateArgs>, 'handler'> = {
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
