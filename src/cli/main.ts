import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, formatProblem, ShipbenchError } from '../core/errors.ts';
import { commands } from './commands/index.ts';

/**
 * The entry point: yargs parses, a command runs, and every failure becomes a message and an exit code.
 * Expected failures (ShipbenchError) print what, where and how to fix; anything else is an internal error,
 * printed in one line unless SHIPBENCH_DEBUG is set.
 */
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

export function reportFailure(error: unknown): number {
  if (error instanceof ShipbenchError) {
    if (error.problems.length > 0) {
      for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`shipbench: ${error.message}\n`);
      if (error.hint !== undefined) process.stderr.write(`  hint: ${error.hint}\n`);
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`shipbench: internal error: ${message}\n`);
  if (process.env.SHIPBENCH_DEBUG !== undefined && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('  hint: this is a bug in shipbench; rerun with SHIPBENCH_DEBUG=1 for a stack trace and report it\n');
  return ExitCode.internal;
}

process.exitCode = await main(hideBin(process.argv));
