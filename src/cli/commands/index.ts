import type { CommandModule } from 'yargs';

/** Every CLI command, in the order `--help` lists them. Each lives in its own file beside this one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Array<CommandModule<any, any>> = [];
