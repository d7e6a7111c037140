#!/usr/bin/env bash
# npm run check: the static checks (typecheck, eslint, import rules) and the tests, side by side. The static
# checks take about 26 s of two cores and the tests about eight minutes of mostly waiting on real components,
# so running them one after the other spent those seconds twice. The static checks' report prints as soon as
# they finish (well before the tests' closing summary); either failing fails the lot.
set -uo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp)
trap 'rm -f "$report"' EXIT
bash scripts/static-checks.sh >"$report" 2>&1 &
static=$!
bash scripts/run-tests.sh "$@" &
tests=$!
wait "$static"
static_status=$?
cat "$report"
wait "$tests"
tests_status=$?
if ((static_status != 0)); then
  echo "npm run check: the static checks failed (their report is above, before the tests' summary)" >&2
  exit "$static_status"
fi
exit "$tests_status"
