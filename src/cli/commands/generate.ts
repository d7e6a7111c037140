import type { Argv, CommandModule } from 'yargs';
import { formatBytes, formatBytesPerSecond, formatSeconds } from '../../core/units.ts';
import { loadResolvedScenario } from '../../scenario/load.ts';
import { defaultImagesDir, FORCE_DESCRIPTION } from '../default-paths.ts';
import { generateProgressPrinter } from '../generate-progress.ts';
import { runGenerate } from '../run-generate.ts';

interface GenerateArgs {
  file: string;
  out: string | undefined;
  tree: boolean;
  workers: number | undefined;
  force: boolean;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate <file>',
  describe: 'Write the scenario\'s images: one OCI layout per layer strategy, one image per deploy step',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('file', { describe: 'scenario file (YAML)', type: 'string', demandOption: true })
      .option('out', { alias: 'o', describe: 'output directory [default: reports/<scenario>/images]', type: 'string' })
      .option('tree', { describe: 'also write each step\'s plain code tree under OUT/trees/<step>/ (the code-in-volume side)', type: 'boolean', default: false })
      .option('workers', { describe: 'gzip worker threads [default: one per core]', type: 'number' })
      .option('force', { describe: FORCE_DESCRIPTION, type: 'boolean', default: false })
      .check((argv) => {
        if (argv.workers !== undefined && !(Number.isInteger(argv.workers) && argv.workers >= 1)) throw new Error('--workers takes a whole number of at least 1');
        return true;
      })
      .example('$0 generate scenarios/quickstart.yaml', 'write reports/quickstart/images/<strategy>/')
      .example('skopeo inspect oci:reports/quickstart/images/monolithic:backport-1', 'look at one step\'s image with a real peer')
      .epilog('Layers are cached by content under OUT/.cache: a second run of the same scenario rebuilds nothing.'),
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
