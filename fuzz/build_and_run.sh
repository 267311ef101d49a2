#!/bin/sh
# Builds one of culprit's libFuzzer targets with clang (libFuzzer + ASan + UBSan) from the sources
# it needs and runs it for a while:
#   report       the console parser (src/report), seeded from the shared crash-report corpus
#   maintainers  the MAINTAINERS parser (src/vcs/maintainers.cc), seeded from linux-source-6.1's
#                MAINTAINERS when the Debian package is there, and from the tests' fixtures
#   job_file     the TOML job file (src/backend/job_file.cc), seeded from the bundled examples
# Seeds are read only; new inputs go to a scratch directory.
#
# Usage: fuzz/build_and_run.sh [SECONDS] [TARGET]   (default 60 s, report; FUZZ_SECONDS works too)
# Environment: CXX (default clang++-14, else clang++), FUZZ_WORKDIR (default: a temp directory).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=$(cd "$root/.." && pwd)/shared
seconds=${1:-${FUZZ_SECONDS:-60}}
target=${2:-report}
cxx=${CXX:-}
if [ -z "$cxx" ]; then
  if command -v clang++-14 >/dev/null 2>&1; then cxx=clang++-14; else cxx=clang++; fi
fi
workdir=${FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/culprit-$target-fuzz.XXXXXX")}
mkdir -p "$workdir/corpus" "$workdir/seeds"

seeds=""
max_len=262144
case "$target" in
  report)
    sources="$root/src/report/*.cc $root/src/base/text.cc"
    packages="re2 libhs"
    for dir in "$shared/testdata/linux/report" "$shared/testdata/all/report" \
               "$shared/testdata/linux/guilty"; do
      [ -d "$dir" ] && seeds="$seeds $dir"
    done
    ;;
  maintainers)
    sources="$root/src/vcs/maintainers.cc $root/src/base/text.cc"
    packages="re2 fmt"
    max_len=65536
    # Pieces of the real file (whole, it is larger than useful inputs) and the tests' fixtures.
    tarball=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | head -n 1 || true)
    if [ -n "$tarball" ]; then
      tar -xOf "$tarball" --wildcards '*/MAINTAINERS' 2>/dev/null |
        split -l 400 - "$workdir/seeds/maintainers-" || true
    fi
    seeds="$workdir/seeds"
    ;;
  job_file)
    sources="$root/src/backend/job_file.cc"
    packages="fmt tomlplusplus"
    max_len=16384
    find "$root/examples" -name '*.toml' -exec cp {} "$workdir/seeds/" \; 2>/dev/null || true
    printf 'kernel = true\nrepo = "linux"\ngood = ["v6.1", "v6.0"]\nvms = 2\nrun-time = 1.5\n' \
      > "$workdir/seeds/basic.toml"
    seeds="$workdir/seeds"
    ;;
  *)
    echo "unknown fuzz target $target (report, maintainers, job_file)" >&2
    exit 2
    ;;
esac

echo "building ${target}_fuzz with $cxx in $workdir"
# shellcheck disable=SC2046,SC2086 # pkg-config prints several flags; sources are a glob list
"$cxx" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer -I"$root/src" $(pkg-config --cflags $packages) \
  "$here/${target}_fuzz.cc" $sources \
  $(pkg-config --libs $packages) -o "$workdir/${target}_fuzz"

echo "fuzzing $target for ${seconds}s"
# shellcheck disable=SC2086 # seed directories are separate arguments
"$workdir/${target}_fuzz" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 \
  -rss_limit_mb=4096 -print_final_stats=1 "$workdir/corpus" $seeds
