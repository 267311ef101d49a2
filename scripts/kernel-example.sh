#!/usr/bin/env bash
# The bundled kernel example (README): installs what is needed, builds culprit, makes a real Linux
# history (Debian's linux-source-6.1 plus 34 commits, one of which adds a lockdep-reported locking
# bug that a small C reproducer hits in about half of the boots, one of which breaks the build) and
# bisects it with `culprit bisect --kernel`: every tested commit is built with make (incremental,
# in one build folder) and booted in QEMU VMs, in batches of 10 runs (the default bayes strategy).
#
# Then it checks the outcome (for CI): the first bad commit is the bug commit, the log shows the
# kernel's own lockdep report title and the broken commit was skipped. Exit status 0 when all hold.
# CULPRIT_KERNEL_EXAMPLE_DIR: where to work (default /tmp/culprit-kernel-example, ~2.5 GB).
# CULPRIT_BUILD_DIR: an existing culprit build to use instead of building build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if [ -z "${CULPRIT_BUILD_DIR:-}" ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh build/release
  CULPRIT_BUILD_DIR=build/release
fi
culprit=$CULPRIT_BUILD_DIR/src/culprit
work=${CULPRIT_KERNEL_EXAMPLE_DIR:-/tmp/culprit-kernel-example}
rm -rf "$work"
mkdir -p "$work"
bash examples/kernel/make-kernel-repo.sh "$work"
set +e
"$culprit" bisect --job examples/kernel/job.toml --repo "$work/linux" \
  --config "$work/kernel.config" --state "$work/culprit.db" --log "$work/bisect.log" \
  --json "$work/result.json"
status=$?
set -e
echo "log: $work/bisect.log, result: $work/result.json, consoles and build logs:" \
  "$work/culprit.db.d/job-1/artifacts (exit status $status, $(( $(date +%s) - start ))s in all)"

bug=$(cat "$work/bug-commit")
failed=0
check() {  # check DESCRIPTION PATTERN
  if grep -qE "$2" "$work/bisect.log"; then
    echo "ok: $1"
  else
    echo "FAILED: $1 (no /$2/ in $work/bisect.log)"
    failed=1
  fi
}
check "names the bug commit" "^first bad commit: $bug "
check "shows the kernel's lockdep report" "crashed: .*(recursive locking|possible deadlock)"
check "skips the commit that does not build" "^# git bisect skip "
check "prints the compiler" "^compiler: "
check "prints the kernel signature" "^kernel signature: [0-9a-f]{64}"
[ $status = 0 ] || failed=1
exit $failed
