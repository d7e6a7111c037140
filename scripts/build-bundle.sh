#!/usr/bin/env bash
# Builds the CLI bundle bin/shipbench.js prefers, into OUTDIR (default dist/): OUTDIR/shipbench.mjs, the entry
# (yargs and each command's options), and OUTDIR/chunks/, each command's handler and what it imports, loaded
# only when that command runs (esbuild --splitting), so `--help` and `validate` start without `run`'s modules.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
rm -rf "$out/chunks" # chunk names carry content hashes: drop the previous build's
node_modules/.bin/esbuild src/cli/main.ts --bundle --platform=node --format=esm --target=node20 \
  --packages=external --splitting --outdir="$out" --entry-names=shipbench --chunk-names='chunks/[name]-[hash]' \
  --out-extension:.js=.mjs --log-level=warning
