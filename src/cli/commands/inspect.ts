import { stat } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { ShipbenchError } from '../../core/errors.ts';
import { findLayouts, inspectLayouts } from '../../image/layout-inspection.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir, FORCE_DESCRIPTION } from '../default-paths.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { renderInspection } from '../inspect-text.ts';
import { runGenerate } from '../run-generate.ts';

interface InspectArgs {
  source: string;
  json: boolean;
  out: string | undefined;
  force: boolean;
}

async function layoutsOf(source: string, out: string | undefined, force: boolean): Promise<Array<{ name: string; dir: string }>> {
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new ShipbenchError('source-not-found', `cannot read ${source} (${error.code ?? 'error'})`, {
      hint: 'give a scenario file or an OCI layout directory',
    });
  });
  if (info.isDirectory()) return findLayouts(source);
  // A scenario: generate it (the layer cache makes a repeat cheap), then inspect what was written.
  const { scenario } = await loadResolvedScenario(source);
  const outDir = out ?? defaultImagesDir(scenario.name);
  const result = await runGenerate(scenario, { outDir, owner: { command: 'inspect', force }, trees: false, workers: undefined, onEvent: generateProgressPrinter() });
  return result.strategies.map((s) => ({ name: s.name, dir: s.layoutDir }));
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <source>',
  describe: 'Layers of each image and what each deploy step costs a node, per layer strategy',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('source', { describe: 'a scenario file, an OCI layout dir, or a generate output dir', type: 'string', demandOption: true })
      .option('json', { describe: 'print JSON for machines instead of tables', type: 'boolean', default: false })
      .option('out', { alias: 'o', describe: 'where a scenario\'s images are generated [default: reports/<scenario>/images]', type: 'string' })
      .option('force', { describe: FORCE_DESCRIPTION, type: 'boolean', default: false })
      .example('$0 inspect scenarios/quickstart.yaml', 'generate (or reuse) and inspect every strategy')
      .example('$0 inspect reports/quickstart/images/per-version --json', 'one layout, as JSON'),
  handler: async (argv) => {
    const layouts = await inspectLayouts(await layoutsOf(argv.source, argv.out, argv.force));
    process.stdout.write(argv.json ? `${JSON.stringify({ schema: 'shipbench/inspect/1', source: argv.source, layouts }, null, 2)}\n` : renderInspection(layouts));
  },
};
