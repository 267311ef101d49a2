#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is needed, builds, fuzzes the console parser,
# runs every test and the kernel example bisection, then the unit tests once more under
# AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build/release
# The libFuzzer targets, briefly: the console parser 60 s, the MAINTAINERS parser and the TOML job
# file 20 s each (issues 3 and 12; fuzz/build_and_run.sh runs them for longer).
mkdir -p build
for target in report:60 maintainers:20 job_file:20; do
  name=${target%%:*}
  if ! bash fuzz/build_and_run.sh "${target##*:}" "$name" > "build/fuzz-$name.log" 2>&1; then
    tail -n 60 "build/fuzz-$name.log"
    echo "fuzzing $name failed (log: build/fuzz-$name.log)"
    exit 1
  fi
  grep -E "^Done|stat::number_of_executed_units" "build/fuzz-$name.log" ||
    tail -n 3 "build/fuzz-$name.log"
done
ctest --test-dir build/release --output-on-failure -j2 --timeout 1200

# The kernel backend end to end: a real Linux history built with make and booted in QEMU (issue 4).
CULPRIT_BUILD_DIR=build/release bash scripts/kernel-example.sh
# The same bisection through a build farm: a real distccd and a real sshd on loopback as the compile
# host and the runner host, one stopped and one killed mid-job (issue 17).
CULPRIT_BUILD_DIR=build/release bash scripts/kernel-farm-example.sh

bash scripts/build.sh build/asan -DCMAKE_BUILD_TYPE=Debug -DCULPRIT_SANITIZE=ON -DCULPRIT_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan -L unit --output-on-failure -j2 --timeout 1200
