import type { Argv, CommandModule } from 'yargs';
import type { DoctorArgs } from './doctor.ts';

/**
 * `shipbench doctor`: its command line, loaded at start (for --help and parsing). The handler loads doctor.ts, and
 * with it everything the command needs, only when the command runs.
 */
export const doctorCommandLine: CommandModule<object, DoctorArgs> = {
  command: 'doctor [file]',
  describe: 'List the real components a scenario needs (registry, engines, peers) and, for docker/containerd nodes, the privileges and kernel features; found or missing, with how to fix',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file; without one, everything shipbench can use is listed', type: 'string' })
      .example('$0 doctor scenarios/quickstart.yaml', 'can this machine run the quick start?')
      .epilog('Exit codes: 0 everything the scenario needs is present, 2 something it needs is missing.'),
  handler: async (argv) => (await import('./doctor.ts')).doctorCommand.handler(argv),
};
