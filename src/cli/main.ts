import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../core/errors.ts';
import { commands } from './commands/index.ts';
import { reportFailure } from './report-failure.ts';

/** The entry point: yargs parses, a command runs, and every failure becomes a message and an exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const parser = yargs(argv)
    .scriptName('shipbench')
    .usage('$0 <command> [options]\n\nBenchmark shipping code to a fleet: in a volume (rsync) or in the container image (registry pulls).')
    .strict()
    .demandCommand(1, 'name a command; see the list above')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      process.stderr.write(`shipbench: ${message}\nRun \`shipbench --help\` for usage.\n`);
      exitCode = ExitCode.usage;
    });
  for (const command of commands) parser.command(command);
  try {
    await parser.parseAsync();
    // Handlers throw ShipbenchError to fail; one that ends with a verdict (a failed budget) sets process.exitCode.
    return exitCode || Number(process.exitCode ?? ExitCode.ok);
  } catch (error) {
    return reportFailure(error);
  }
}

process.exitCode = await main(hideBin(process.argv));
