// The test files as plain ESM bundles for `node --test` (scripts/run-tests.sh): a test process that loads tsx
// pays about 0.6 CPU-s before its first test (its loader, twice: the hooks thread has its own copy), which over
// a hundred-odd files is a minute of a ten-minute suite. esbuild compiles every test file once instead; shared
// modules go to chunks. Run one file through tsx as ever: `node --import tsx --test test/x/y.test.ts`.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const [outdir, ...entryPoints] = process.argv.slice(2);

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
