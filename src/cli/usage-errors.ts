import { ShipbenchError } from '../core/errors.ts';

const USAGE_HINT = 'run `shipbench --help` (or `shipbench COMMAND --help`) for usage';

/**
 * yargs' `.fail` callback: a usage error stops the command before its handler runs (setting an exit code
 * alone let yargs go on and run it). Errors a handler or a builder's check threw pass through unchanged.
 */
export function failOnUsageError(message: string | null | undefined, error: Error | null | undefined): never {
  if (error !== undefined && error !== null) throw error;
  throw new ShipbenchError('usage', message ?? 'invalid command line', { hint: USAGE_HINT });
}

/**
 * A global yargs check: a number option given something that is not a number (`--alpha x`) reaches
 * handlers as NaN, which yargs lets through; refuse it here, naming the option.
 */
export function rejectNonNumbers(argv: Record<string, unknown>): true {
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0') continue;
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (values.some((v) => typeof v === 'number' && Number.isNaN(v))) {
      throw new ShipbenchError('usage', `--${key} takes a number`, { hint: USAGE_HINT });
    }
  }
  return true;
}
