#!/usr/bin/env bash
# The bundled example (README): installs what is needed, builds culprit, makes a small C project's
# history with a planted flaky crash, and bisects it with 10 runs per commit and no known good
# commit (culprit walks back the release tags first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build/release
work=${CULPRIT_EXAMPLE_DIR:-/tmp/culprit-example}
rm -rf "$work"
mkdir -p "$work"
bash examples/flaky-crash/make-repo.sh "$work/repo"
set +e
build/release/src/culprit bisect --repo "$work/repo" --bad main \
  --build make --artifact app --test './app --selftest' --runs 10 --jobs 2 \
  --state "$work/culprit.db" --log "$work/bisect.log" --json "$work/result.json"
status=$?
set -e
echo "log: $work/bisect.log, result: $work/result.json (exit status $status)"
exit $status
