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
      .option('cleanup', {
        describe: 'remove what runs killed with SIGKILL left behind (engine daemons, mounts, loop devices, network namespaces, links, cgroups, temp dirs), and only those: each is named by its owner\'s PID, and that process is gone',
        type: 'boolean',
        default: false,
      })
      .example('$0 doctor scenarios/quickstart.yaml', 'can this machine run the quick start?')
      .example('$0 doctor --cleanup', 'after a run was killed (OOM, CI timeout): remove what it left')
      .epilog('Exit codes: 0 everything the scenario needs is present (with --cleanup: every leftover removed), 2 something it needs is missing, 1 a leftover could not be removed.'),
  handler: async (argv) => (await import('./doctor.ts')).doctorCommand.handler(argv),
};
