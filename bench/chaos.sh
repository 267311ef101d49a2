#!/usr/bin/env bash
# The full chaos run (issue 12): `culprit bisect` killed with SIGKILL at 100 random moments and
# resumed each time (tests/integration/chaos_test.cc with CULPRIT_CHAOS_KILLS=100). Prints the
# figures docs/reliability.md shows. Usage: bench/chaos.sh [KILLS] (build/release must be built).
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-100}
binary=build/release/tests/chaos_test
[ -x "$binary" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; }
CULPRIT_CHAOS_KILLS=$kills "$binary" | grep -E "^chaos:|PASSED|FAILED|Failure" 
