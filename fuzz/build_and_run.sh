#!/bin/sh
# Builds the console-parser fuzzer with clang (libFuzzer + ASan + UBSan) from the src/report
# sources (and the base text helpers they use) and runs it. Seeds come from the shared crash-report corpus (read only); new inputs go to
# a scratch directory.
#
# Usage: fuzz/build_and_run.sh [SECONDS]     (default 60; FUZZ_SECONDS works too)
# Environment: CXX (default clang++-14, else clang++), FUZZ_WORKDIR (default: a temp directory).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=$(cd "$root/.." && pwd)/shared
seconds=${1:-${FUZZ_SECONDS:-60}}
cxx=${CXX:-}
if [ -z "$cxx" ]; then
  if command -v clang++-14 >/dev/null 2>&1; then cxx=clang++-14; else cxx=clang++; fi
fi
workdir=${FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/culprit-report-fuzz.XXXXXX")}
mkdir -p "$workdir/corpus"

echo "building report_fuzz with $cxx in $workdir"
# shellcheck disable=SC2046 # pkg-config prints several flags
"$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer -I"$root/src" $(pkg-config --cflags re2 libhs) \
  "$here/report_fuzz.cc" "$root"/src/report/*.cc "$root/src/base/text.cc" \
  $(pkg-config --libs re2 libhs) -o "$workdir/report_fuzz"

seeds=""
for dir in "$shared/testdata/linux/report" "$shared/testdata/all/report" \
           "$shared/testdata/linux/guilty"; do
  [ -d "$dir" ] && seeds="$seeds $dir"
done

echo "fuzzing for ${seconds}s"
# shellcheck disable=SC2086 # seed directories are separate arguments
"$workdir/report_fuzz" -max_total_time="$seconds" -max_len=262144 -timeout=20 \
  -rss_limit_mb=4096 -print_final_stats=1 "$workdir/corpus" $seeds
