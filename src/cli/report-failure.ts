import { ExitCode, formatProblem, ShipbenchError } from '../core/errors.ts';
import { redactText } from '../core/secret-redaction.ts';

/** Prints an expected failure: every problem with its file:line:col, or the message and its hint. */
export function printShipbenchError(error: ShipbenchError): void {
  if (error.problems.length > 0) {
    for (const problem of error.problems) process.stderr.write(redactText(`${formatProblem(problem)}\n`));
    process.stderr.write(redactText(`${error.message}\n`));
  } else {
    process.stderr.write(redactText(`shipbench: ${error.message}\n`));
    if (error.hint !== undefined) process.stderr.write(redactText(`  hint: ${error.hint}\n`));
  }
}

/**
 * Turns any failure into output and an exit code. Expected failures (ShipbenchError) print what, where and
 * how to fix; anything else is an internal error, printed in one line unless SHIPBENCH_DEBUG is set.
 */
export function reportFailure(error: unknown): number {
  if (error instanceof ShipbenchError) {
    printShipbenchError(error);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(redactText(`shipbench: internal error: ${message}\n`));
  if (process.env.SHIPBENCH_DEBUG !== undefined && error instanceof Error) process.stderr.write(redactText(`${error.stack}\n`));
  else process.stderr.write('  hint: this is a bug in shipbench; rerun with SHIPBENCH_DEBUG=1 for a stack trace and report it\n');
  return ExitCode.internal;
}
