#!/usr/bin/env bash
# Every benchmark, each printing its figures and its ratio against a peer measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Benches that start bin/shipbench.js time the bundle, as users run it (it falls back to tsx on stale sources).
bash scripts/build-bundle.sh dist
for bench in bench/generate-vs-pigz.ts bench/generate-memory.ts bench/synthesis-throughput.ts bench/pull-vs-skopeo-curl.ts bench/fleet-scaling.ts bench/unpack-vs-tar.ts bench/check-2gib.ts bench/fleet-model.ts bench/p2p-floor.ts bench/reshare-reach.ts bench/cli-startup.ts bench/fleet-plan.ts bench/sweep.ts bench/tar-split-crc.ts bench/rsync-costs.ts; do
  echo "== $bench"
  npx tsx "$bench"
done
