#!/usr/bin/env bash
# Per-step times of a kernel bisection step, local vs through the farm, in one run (issue 17;
# docs/farm.md has the figures and the time model they check).
#
#   bench/farm.sh [WORK]     (default /tmp/culprit-farm-bench; needs root for sshd)
#
# One step = one clean build of the bundled kernel example's bug commit (an empty ccache, a fresh build
# folder) + RUNS (default 8) VM runs of its reproducer: a `culprit bisect` whose budget is one build
# and RUNS runs, so it stops after the start check. It is done twice, back to back:
#   local: make -j(CPUs) here, --vms 2 here (TCG: KVM does not work nested here, and its probe
#          would cost each job 20 s);
#   farm:  compiles through a real distccd on 127.0.0.1 (2 slots), runs on a real sshd on
#          127.0.0.1 (1 slot) beside 1 local VM.
# On one 2-core machine the "hosts" share the client's cores, so the ratio shows the farm's
# overhead, not its speed-up; the time model in docs/farm.md takes it from there.
# Also prints the compile work distccd did (the sum of its jobs' times) and the bytes copied to
# the runner host.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/culprit-farm-bench}
runs=${RUNS:-8}
CULPRIT_BUILD_DIR=${CULPRIT_BUILD_DIR:-build/release}
culprit=$(cd "$CULPRIT_BUILD_DIR" && pwd)/src/culprit
rm -rf "$work"
mkdir -p "$work"
example=${CULPRIT_KERNEL_EXAMPLE_DIR:-/tmp/culprit-kernel-example}
if [ ! -d "$example/linux/.git" ]; then bash examples/kernel/make-kernel-repo.sh "$example"; fi
bug=$(cat "$example/bug-commit")
parent=$(git -C "$example/linux" rev-parse "$bug^")

source scripts/farm-daemons.sh
trap farm_stop_all EXIT
farm_start_distccd "$work/distcc"
farm_start_sshd "$work/ssh"
vm_host="ssh://root@127.0.0.1:$SSHD_PORT?slots=1&identity=$work/ssh/id_ed25519"
vm_host+="&known_hosts=$work/ssh/known_hosts&accel=tcg&dir=$work/runner-host-cache"

step() {  # step NAME EXTRA-ARGS...: one job, the bug commit built and run $runs times
  local name=$1
  shift
  local t0
  t0=$(date +%s.%N)
  CCACHE_DIR="$work/ccache-$name" "$culprit" bisect --kernel --repo "$example/linux" --config "$example/kernel.config" \
    --repro examples/kernel/repro.c --bad "$bug" --good "$parent" --runs "$runs" --run-time 5 \
    --vm-memory 512M --state "$work/$name.db" --log "$work/$name.log" --json "$work/$name.json" \
    --budget "builds=1,runs=$runs" --no-verify --vm-accel tcg "$@" > "$work/$name.out" 2>&1 || true
  python3 - "$work/$name.json" "$name" "$t0" <<'EOF'
import json, sqlite3, sys, time
result = json.load(open(sys.argv[1]))
t = result["time"]
runs = result.get("runs", 0)
# A run's own time (boot, reproducer, console), from the store: the step's test time also holds
# waiting for a free slot.
durations = [row[0] for row in sqlite3.connect(sys.argv[1][:-len(".json")] + ".db").execute(
    "select duration_s from runs")]
run_s = sum(durations) / max(len(durations), 1)
print(f"{sys.argv[2]}: build {t['build_s']:.1f} s, test {t['test_s']:.1f} s for {runs} runs "
      f"({run_s:.1f} s a run), wall {time.time() - float(sys.argv[3]):.1f} s")
json.dump({"build_s": t["build_s"], "test_s": t["test_s"], "runs": runs, "run_s": run_s},
          open(sys.argv[1] + ".step", "w"))
EOF
}

step local --vms 2
step farm --vms 1 --build-farm "distcc://127.0.0.1:$DISTCCD_PORT?slots=2" --vm-hosts "$vm_host"

compile_ms=$(grep -oE 'COMPILE_OK .* time:[0-9]+ms' "$work/distcc/distccd.log" |
  grep -oE 'time:[0-9]+' | cut -d: -f2 | paste -sd+ | bc)
jobs=$(farm_count COMPILE_OK "$work/distcc/distccd.log")
copied=$(du -sb "$work/runner-host-cache" 2>/dev/null | cut -f1)
python3 - "$work/local.json.step" "$work/farm.json.step" "$jobs" "${compile_ms:-0}" "${copied:-0}" <<'EOF'
import json, sys
local, farm = (json.load(open(p)) for p in sys.argv[1:3])
print(f"build farm/local: {farm['build_s'] / local['build_s']:.2f}x")
print(f"a run farm/local: {farm['run_s'] / local['run_s']:.2f}x "
      f"({farm['run_s']:.1f} s vs {local['run_s']:.1f} s); test step farm/local: "
      f"{farm['test_s'] / local['test_s']:.2f}x")
print(f"distccd: {sys.argv[3]} compile jobs, {int(sys.argv[4]) / 1000:.0f} s of compile time; "
      f"runner host cache: {int(sys.argv[5]) / 2**20:.1f} MiB")
EOF
