import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../core/errors.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { checkComponent, componentsFor } from '../real-components.ts';
import { textTable } from '../text-table.ts';

interface DoctorArgs {
  file: string | undefined;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor [file]',
  describe: 'List the real components a scenario needs (registry, peers), found or missing, with how to install them',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file; without one, everything shipbench can use is listed', type: 'string' })
      .example('$0 doctor scenarios/quickstart.yaml', 'can this machine run the quick start?')
      .epilog('Exit codes: 0 everything the scenario needs is present, 2 something it needs is missing.'),
  handler: async (argv) => {
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
  },
};
