#!/usr/bin/env bash
# Node 20's --test does not expand globs: hand it the file list, in one run so its closing summary covers all.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-reporter=spec "$@" "${files[@]}"
