import type { CommandModule } from 'yargs';
import { checkCommandLine } from './check-command-line.ts';
import { compareCommandLine } from './compare-command-line.ts';
import { doctorCommandLine } from './doctor-command-line.ts';
import { generateCommandLine } from './generate-command-line.ts';
import { inspectCommandLine } from './inspect-command-line.ts';
import { reportCommandLine } from './report-command-line.ts';
import { runCommandLine } from './run-command-line.ts';
import { schemaCommandLine } from './schema-command-line.ts';
import { simulateCommandLine } from './simulate-command-line.ts';
import { validateCommandLine } from './validate-command-line.ts';

/**
 * Every CLI command, in the order `--help` lists them. Each is two files beside this one: `<name>-command-line.ts`
 * (usage, options, examples: loaded at start) and `<name>.ts` (the handler and what it imports: loaded only
 * when that command runs), so `--help` and `validate` do not pay for `run`'s modules.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Array<CommandModule<any, any>> = [runCommandLine, simulateCommandLine, reportCommandLine, compareCommandLine, generateCommandLine, inspectCommandLine, checkCommandLine, validateCommandLine, schemaCommandLine, doctorCommandLine];
