#!/usr/bin/env bash
# The main job on the quick-start scenario: validate it, generate every strategy's images (and the plain
# trees of the code-in-volume side), inspect what each deploy costs a node, then measure real rollouts both
# ways: the embedded registry serves every step's image to virtual nodes that pull and unpack it, and rsync
# daemons (a master, two proxies) serve every step's tree to the same nodes, while an http service and a
# fio job on the same disk measure what two of the steps do to their latency (neighbours:). Writes
# reports/quickstart/, with run/summary.md laying volume beside each layer strategy.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=scenarios/quickstart.yaml
out=reports/quickstart
mkdir -p "$out"
# bin/shipbench.js itself, not `node bin/shipbench.js`: its first line gives node the CLI's V8 heap flags.
bin/shipbench.js validate "$scenario"
bin/shipbench.js generate "$scenario" --out "$out/images" --tree
bin/shipbench.js inspect "$out/images" | tee "$out/inspect.txt"
bin/shipbench.js run "$scenario" --out "$out/run"
echo "quickstart: wrote $out/images (OCI layouts and plain trees), $out/inspect.txt and $out/run/ (results.json, summary.md, report.md, report.html with charts/, samples.csv)"
