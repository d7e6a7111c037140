// The test files as plain ESM bundles for `node --test` (scripts/run-tests.sh): a test process that loads tsx
// pays about 0.6 CPU-s before its first test (its loader, twice: the hooks thread has its own copy), which over
// a hundred-odd files is a minute of a ten-minute suite. esbuild compiles every test file once instead; shared
// modules go to chunks. Run one file through tsx as ever: `node --import tsx --test test/x/y.test.ts`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { basename, dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const [outdir, ...entryPoints] = process.argv.slice(2);
const bundleOf = (file) => join(outdir, file.replace(/\.ts$/, '.mjs'));

/**
 * Every module keeps the `import.meta` of its source file, not of the bundle chunk it lands in: tests find
 * fixtures, the CLI and the repository relative to themselves, and a chunk lives elsewhere.
 */
const sourceImportMeta = {
  name: 'source-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = await readFile(args.path, 'utf8');
      const meta = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
      const contents = source.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, key) => JSON.stringify(meta[key]));
      return { contents, loader: 'ts' };
    });
  },
};

await build({
  entryPoints,
  outbase: '.',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  splitting: true,
  // tsx keeps names too: a class or function name in a message stays what the source says.
  keepNames: true,
  sourcemap: 'linked',
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
  plugins: [sourceImportMeta],
});

/**
 * A test process costs about 0.4 s before its first test (node twice, the runner's IPC, the chunks loaded),
 * 45 s over the suite. So the files of one directory run in one process: a group file imports their bundles
 * in order, and the runner reports each test as ever. A file with hooks at its top level (before/after outside
 * any describe) stays on its own: in a group its hooks would run around every other file's tests too.
 * The runner gets the group files and the lone files, one per line on stdout, in the order of the arguments.
 */
const rootHook = /^(before|after|beforeEach|afterEach)\(/m;
const groups = new Map();
const runFiles = [];
for (const file of entryPoints) {
  if (rootHook.test(await readFile(file, 'utf8'))) {
    runFiles.push(bundleOf(file));
    continue;
  }
  const dir = dirname(file);
  if (!groups.has(dir)) {
    groups.set(dir, []);
    runFiles.push(join(outdir, 'groups', `${dir.replaceAll('/', '-')}.test.mjs`));
  }
  groups.get(dir).push(file);
}
await mkdir(join(outdir, 'groups'), { recursive: true });
for (const [dir, files] of groups) {
  const group = join(outdir, 'groups', `${dir.replaceAll('/', '-')}.test.mjs`);
  const imports = files.map((file) => `import './${relative(dirname(group), bundleOf(file))}'; // ${basename(file)}`);
  await writeFile(group, `// ${dir}: ${files.length} test files in one process (scripts/build-test-bundles.mjs)\n${imports.join('\n')}\n`);
}
process.stdout.write(`${runFiles.join('\n')}\n`);
