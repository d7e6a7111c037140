#!/usr/bin/env bash
# The main job on the quick-start scenario: validate it, generate every strategy's images (and the plain
# trees of the code-in-volume side), then inspect what each deploy costs a node. Writes reports/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=scenarios/quickstart.yaml
out=reports/quickstart
mkdir -p "$out"
node bin/shipbench.js validate "$scenario"
node bin/shipbench.js generate "$scenario" --out "$out/images" --tree
node bin/shipbench.js inspect "$out/images" --json >"$out/inspect.json"
node bin/shipbench.js inspect "$out/images" | tee "$out/inspect.txt"
echo "quickstart: wrote $out/images (OCI layouts, trees), $out/inspect.txt and $out/inspect.json"
