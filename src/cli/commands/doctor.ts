import type { CommandModule } from 'yargs';
import { ExitCode } from '../../core/errors.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { enginePrerequisites } from '../../nodes/isolation/engine-preflight.ts';
import { checkComponent, componentsFor } from '../real-components.ts';
import { textTable } from '../text-table.ts';

export interface DoctorArgs {
  file: string | undefined;
  cleanup: boolean;
}

export const doctorCommand: Pick<CommandModule<object, DoctorArgs>, 'handler'> = {
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
