#!/usr/bin/env bash
# Builds the CLI bundle bin/shipbench.js prefers, into OUTDIR (default dist/): OUTDIR/shipbench.mjs, the entry
# (yargs and each command's options), and OUTDIR/chunks/, each command's handler and what it imports, loaded
# only when that command runs (esbuild --splitting), so `--help` and `validate` start without `run`'s modules.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
# yargs, zod and yaml are bundled: nearly every command starts with them, and a few bundled files load faster
# than their hundreds of modules. Every other package stays external (native addons, worker files, chart
# libraries loaded on first use). yaml is CommonJS: the banner gives bundled code a require().
externals=$(node -e '
  const p = require("./package.json");
  const bundled = new Set(["yargs", "zod", "yaml"]);
  for (const d of Object.keys({ ...p.dependencies, ...p.devDependencies })) if (!bundled.has(d)) console.log(`${d} ${d}/*`);
')
rm -rf "$out/chunks" # chunk names carry content hashes: drop the previous build's
# esbuild's API, for one plugin (an ASCII fast path for yargs' string widths): see build-bundle.mjs.
node scripts/build-bundle.mjs src/cli/main.ts "$out" "$externals" \
  "import { createRequire as __shipbenchCreateRequire } from 'node:module'; const require = __shipbenchCreateRequire(import.meta.url);"
