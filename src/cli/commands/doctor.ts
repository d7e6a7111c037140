import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../core/errors.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { enginePrerequisites } from '../../nodes/isolation/engine-preflight.ts';
import { checkComponent, componentsFor } from '../real-components.ts';
import { textTable } from '../text-table.ts';

interface DoctorArgs {
  file: string | undefined;
  cleanup: boolean;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
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
  handler: async (argv) => {
    if (argv.cleanup) {
      process.exitCode = await printCleanup();
      return;
    }
    const scenario = argv.file === undefined ? undefined : (await loadResolvedScenario(argv.file)).scenario;
    const statuses = await Promise.all(componentsFor(scenario).map(async (c) => ({ ...c, status: await checkComponent(c.component) })));
    const rows = statuses.map(({ component, neededToRun, status }) => [
      component.command,
      status.found ? 'found' : 'MISSING',
      status.version ?? '',
      neededToRun ? 'to run' : 'tests, benches',
      component.role,
      status.found ? '' : component.debianPackage.startsWith('(npm)') ? component.debianPackage.slice(6) : `apt-get install ${component.debianPackage}`,
    ]);
    process.stdout.write(`${textTable(['component', 'status', 'version', 'needed', 'role', 'install'], rows)}\n`);
    if (statuses.some((s) => s.neededToRun && !s.status.found)) process.exitCode = ExitCode.usage;
    // Real engines and emulated hosts also need privileges and kernel features, checked here by name.
    const machine = scenario === undefined ? [] : enginePrerequisites(scenario.fleet);
    if (machine.length > 0) {
      const table = textTable(['needs', 'status', 'detail', 'fix'], machine.map((c) => [c.piece, c.ok ? 'ok' : 'MISSING', c.detail, c.ok ? '' : c.fix]));
      process.stdout.write(`${table}\n`);
      const missing = machine.filter((c) => !c.ok);
      if (missing.length > 0) {
        process.stderr.write(`missing for fleet.backend ${scenario?.fleet.backends.join(', ')}: ${missing.map((m) => m.piece).join(', ')}\n`);
        process.exitCode = ExitCode.usage;
      }
    }
  },
};

/** `doctor --cleanup`: sweeps dead runs' leftovers and lists each one removed; what could not be goes to stderr. */
async function printCleanup(): Promise<number> {
  const { sweepLeftovers } = await import('../../nodes/isolation/leftover-sweep.ts');
  const { removed, failures } = await sweepLeftovers();
  if (removed.length === 0 && failures.length === 0) process.stdout.write('nothing to clean up: no leftovers of a dead shipbench run\n');
  if (removed.length > 0) {
    process.stdout.write(`removed ${removed.length} leftover${removed.length === 1 ? '' : 's'} of dead runs:\n`);
    process.stdout.write(`${textTable(['kind', 'what', 'owner pid'], removed.map((r) => [r.kind, r.name, String(r.ownerPid)]))}\n`);
  }
  for (const f of failures) process.stderr.write(`could not remove ${f.what}: ${f.message}\n`);
  return failures.length > 0 ? ExitCode.internal : ExitCode.ok;
}
