import type { CommandModule } from 'yargs';
import { checkCommand } from './check.ts';
import { compareCommand } from './compare.ts';
import { doctorCommand } from './doctor.ts';
import { generateCommand } from './generate.ts';
import { inspectCommand } from './inspect.ts';
import { runCommand } from './run.ts';
import { reportCommand } from './report.ts';
import { schemaCommand } from './schema.ts';
import { simulateCommand } from './simulate.ts';
import { validateCommand } from './validate.ts';

/** Every CLI command, in the order `--help` lists them. Each lives in its own file beside this one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Array<CommandModule<any, any>> = [runCommand, simulateCommand, reportCommand, compareCommand, generateCommand, inspectCommand, checkCommand, validateCommand, schemaCommand, doctorCommand];
