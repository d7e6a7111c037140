import type { CommandModule } from 'yargs';
import { formatBytes, formatBytesPerSecond, formatSeconds } from '../../core/units.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir } from '../default-paths.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { runGenerate } from '../run-generate.ts';

export interface GenerateArgs {
  file: string;
  out: string | undefined;
  tree: boolean;
  workers: number | undefined;
  force: boolean;
}

export const generateCommand: Pick<CommandModule<object, GenerateArgs>, 'handler'> = {
  handler: async (argv) => {
    const { scenario } = await loadResolvedScenario(argv.file);
    const outDir = argv.out ?? defaultImagesDir(scenario.name);
    const result = await runGenerate(scenario, { outDir, owner: { command: 'generate', force: argv.force }, trees: argv.tree, workers: argv.workers, onEvent: generateProgressPrinter() });
    const rate = result.builtTarBytes / Math.max(result.seconds, 1e-9);
    const built =
      result.layersBuilt === 0
        ? `all ${result.layersReused} layers reused from the cache; nothing rebuilt`
        : `built ${result.layersBuilt} layers (${formatBytes(result.builtTarBytes)} tar -> ${formatBytes(result.builtBlobBytes)} blobs) at ${formatBytesPerSecond(rate)}` +
          (result.layersReused > 0 ? `, reused ${result.layersReused} from the cache` : '');
    process.stdout.write(`${scenario.name}: ${built}, in ${formatSeconds(result.seconds)}\n`);
    for (const s of result.strategies) process.stdout.write(`  ${s.layoutDir}  tags: ${s.images.map((i) => i.step).join(', ')}\n`);
    for (const t of result.trees) process.stdout.write(`  ${t.dir}  ${t.files} files, ${formatBytes(t.bytes)}\n`);
  },
};
