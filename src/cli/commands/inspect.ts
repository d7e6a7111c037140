import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { type ContentSourceLabel, describeContentSource, scenarioContentLabel } from '../../content/source/content-source-label.ts';
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

/** The layouts to inspect, and what content they hold (a scenario's, or what generate.json beside them says). */
async function layoutsOf(source: string, out: string | undefined, force: boolean): Promise<{ layouts: Array<{ name: string; dir: string }>; content: ContentSourceLabel | undefined }> {
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new ShipbenchError('source-not-found', `cannot read ${source} (${error.code ?? 'error'})`, {
      hint: 'give a scenario file or an OCI layout directory',
    });
  });
  if (info.isDirectory()) return { layouts: await findLayouts(source), content: await generatedContent(source) };
  // A scenario: generate it (the layer cache makes a repeat cheap), then inspect what was written.
  const { scenario } = await loadResolvedScenario(source);
  const outDir = out ?? defaultImagesDir(scenario.name);
  const result = await runGenerate(scenario, { outDir, owner: { command: 'inspect', force }, trees: false, workers: undefined, onEvent: generateProgressPrinter() });
  return { layouts: result.strategies.map((s) => ({ name: s.name, dir: s.layoutDir })), content: result.contentSource?.label ?? scenarioContentLabel(scenario) };
}

/** generate.json's `content` in a generate output directory; undefined for a bare layout (or an older generate). */
async function generatedContent(dir: string): Promise<ContentSourceLabel | undefined> {
  try {
    const summary = JSON.parse(await readFile(join(dir, 'generate.json'), 'utf8')) as { content?: ContentSourceLabel };
    return typeof summary.content?.kind === 'string' ? summary.content : undefined;
  } catch {
    return undefined;
  }
}

export const inspectCommand: Pick<CommandModule<object, InspectArgs>, 'handler'> = {
  handler: async (argv) => {
    const { layouts: found, content } = await layoutsOf(argv.source, argv.out, argv.force);
    const layouts = await inspectLayouts(found);
    const contentLine = content === undefined ? '' : `content: ${describeContentSource(content)}\n\n`;
    process.stdout.write(argv.json ? `${JSON.stringify({ schema: 'shipbench/inspect/1', source: argv.source, ...(content === undefined ? {} : { content }), layouts }, null, 2)}\n` : `${contentLine}${renderInspection(layouts)}`);
  },
};
