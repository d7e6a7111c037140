import { stat } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { ShipbenchError } from '../../core/errors.ts';
import { findLayouts, inspectLayouts } from '../../image/layout-inspection.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir } from '../default-paths.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { renderInspection } from '../inspect-text.ts';
import { runGenerate } from '../run-generate.ts';

export interface InspectArgs {
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

export const inspectCommand: Pick<CommandModule<object, InspectArgs>, 'handler'> = {
  handler: async (argv) => {
    const layouts = await inspectLayouts(await layoutsOf(argv.source, argv.out, argv.force));
    process.stdout.write(argv.json ? `${JSON.stringify({ schema: 'shipbench/inspect/1', source: argv.source, layouts }, null, 2)}\n` : renderInspection(layouts));
  },
};
