#!/usr/bin/env bash
# Node 20's --test does not expand globs: hand it the file list, in one run so its closing summary covers all.
# One file at a time whatever the core count: tests run real registries, rsync daemons and disk writers, and
# the neighbour tests measure latency beside them, so files running side by side would measure each other.
# The files run as esbuild bundles (scripts/build-test-bundles.mjs), not through tsx: a process that loads tsx
# pays about 0.6 CPU-s before its first test, a minute over the suite. One file through tsx, as ever:
#   node --import tsx --test test/x/y.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
# The end-to-end tests start bin/shipbench.js a hundred-odd times, and it runs the sources through tsx when any is
# newer than dist/ (0.5 s a start against 0.15 s): after an edit, `npm run test:only` would time the fallback.
if [[ ! -f dist/shipbench.mjs || -n $(find src -newer dist/shipbench.mjs -print -quit) ]]; then bash scripts/build-bundle.sh dist; fi
mapfile -t files < <(find test -name '*.test.ts' | sort)
out=.test-build
rm -rf "$out" # chunk names carry content hashes: drop the previous build's
# It prints what to run: a file per directory that imports that directory's bundles (one process each), and
# the files that keep a process of their own (top-level hooks).
mapfile -t runs < <(node scripts/build-test-bundles.mjs "$out" "${files[@]}")
# What several test files would each build the same way is built once per run, here (test/support).
export SHIPBENCH_TEST_SHARED="$PWD/$out/shared"
mkdir -p "$SHIPBENCH_TEST_SHARED"
exec node --enable-source-maps --test --test-concurrency=1 --test-reporter=spec "$@" "${runs[@]}"
