#!/usr/bin/env bash
# Node 20's --test does not expand globs: hand it the file list, in one run so its closing summary covers all.
# One file at a time whatever the core count: tests run real registries, rsync daemons and disk writers, and
# the neighbour tests measure latency beside them, so files running side by side would measure each other.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" "${files[@]}"
