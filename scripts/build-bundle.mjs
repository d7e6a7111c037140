// The bundle build (scripts/build-bundle.sh runs it): esbuild with code splitting, plus two plugins that cut
// what `--help` and `validate` pay at start (bench/cli-startup.ts): an ASCII fast path for yargs' string
// widths, and zod without its 40-odd non-English locales.
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const [entry, outdir, externals, banner] = process.argv.slice(2);

/**
 * string-width 7/8 (yargs, cliui, wrap-ansi) segments every string with Intl.Segmenter and builds emoji-regex's
 * large RegExp once per character: laying out `--help` spent about a third of its CPU there. Printable ASCII
 * is one column per character (checked for every such character against both versions when this was written),
 * so only other strings take the full path; help text with CJK or emoji is measured exactly as before. The full
 * module is required on first use, not imported: its top level builds an Intl.Segmenter and \p{RGI_Emoji}
 * RegExps, 40-80 ms of every start (`validate` included) even when no string needs them.
 */
const asciiStringWidth = {
  name: 'ascii-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'full') return undefined;
      const full = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'full' });
      if (full.errors.length > 0) return { errors: full.errors };
      return { path: full.path, namespace: 'ascii-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'ascii-string-width' }, (args) => ({
      resolveDir: dirname(args.path),
      contents: [
        'const printableAscii = /^[\\x20-\\x7e]*$/;',
        'let fullStringWidth;',
        'export default function stringWidth(string, options) {',
        "  if (typeof string === 'string' && printableAscii.test(string)) return string.length;",
        `  fullStringWidth ??= require(${JSON.stringify(args.path)}).default;`,
        '  return fullStringWidth(string, options);',
        '}',
      ].join('\n'),
    }));
  },
};

/**
 * `import { z } from 'zod'` carries `z.locales` (every language's error messages, about 250 KB of the chunk
 * `validate` compiles at start); shipbench configures no locale and zod registers English itself, so the
 * bundle's `z.locales` holds English only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      const english = join(args.resolveDir, '../locales/en.js');
      return { path: english.replace(/en\.js$/, 'english-only.js'), namespace: 'zod-english-only', pluginData: english };
    });
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      resolveDir: dirname(args.pluginData),
      contents: `export { default as en } from ${JSON.stringify(args.pluginData)};`,
    }));
  },
};

await build({
  // The second entry is what bin/shipbench.js runs when re-executed to untar one layer (src/nodes/untar-child.ts):
  // it loads the applier's chunk only, none of the CLI's.
  entryPoints: { shipbench: entry, 'untar-child': 'src/nodes/untar-child.ts' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: externals.split(/\s+/).filter((e) => e !== ''),
  splitting: true,
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
  banner: { js: banner },
  plugins: [asciiStringWidth, zodEnglishOnly],
});
