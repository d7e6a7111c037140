import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../core/errors.ts';
import { commands } from './commands/index.ts';
import { reportFailure } from './report-failure.ts';
import { servePoints, SWEEP_WORKER_ENV } from './sweep-point-worker.ts';
import { failOnUsageError, rejectNonNumbers } from './usage-errors.ts';

/** The entry point: yargs parses, a command runs, and every failure becomes a message and an exit code. */
export async function main(argv: string[]): Promise<number> {
  const parser = yargs(argv)
    .scriptName('shipbench')
    .usage('$0 <command> [options]\n\nBenchmark shipping code to a fleet: in a volume (rsync) or in the container image (registry pulls).')
    .strict()
    .demandCommand(1, 'name a command (shipbench --help lists them)')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .check(rejectNonNumbers, true)
    .fail(failOnUsageError);
  for (const command of commands) parser.command(command);
  try {
    await parser.parseAsync();
    // Handlers throw ShipbenchError to fail; one that ends with a verdict (a failed budget) sets process.exitCode.
    return Number(process.exitCode ?? ExitCode.ok);
  } catch (error) {
    return reportFailure(error);
  }
}

// Forked by a sweep (sweep-point-pool.ts) to run many of its points; otherwise one command line.
if (process.env[SWEEP_WORKER_ENV] === '1' && process.send !== undefined) servePoints(main);
else process.exitCode = await main(hideBin(process.argv));
