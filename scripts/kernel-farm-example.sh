#!/usr/bin/env bash
# The bundled kernel example through a build farm (issue 17), with the farm's two faults:
#
#   - a real distccd on 127.0.0.1 is the compile host (`--build-farm distcc://...`), with ccache in
#     front of it in a fresh cache folder, so that compiles go to the farm rather than hit the
#     cache the local example filled;
#   - a real sshd on 127.0.0.1 with a throwaway host key, client key and known_hosts is the runner
#     host (`--vm-hosts ssh://...`), one VM slot there beside the job's two local VMs;
#   - distccd is stopped in the middle of the first build (after 100 compile jobs reached it) and
#     started again when that build is done: the build must not fail, and the log must say that
#     compiles ran locally;
#   - the runner host is killed (sshd and everything under it, its QEMU included) while a QEMU runs
#     there, after it has finished at least 3 runs: the run is given to another slot and the host
#     is set aside, with log lines.
#
# Then it checks, from culprit's log and the daemons' own logs: the culprit is the bug commit (and
# the same as the local example's, when its result is there); distccd logged compile jobs; sshd
# logged sessions and the runner host's cache holds the bzImage and initramfs; the fallback and
# set-aside lines; and every commit both runs built has the same kernel signature locally and
# through the farm (reproducible builds). Exit status 0 when all hold.
#
# CULPRIT_KERNEL_EXAMPLE_DIR: the local example's folder (scripts/kernel-example.sh); its history
#   is reused when it is there, else made again. CULPRIT_KERNEL_FARM_DIR: where to work (default
#   /tmp/culprit-kernel-farm). CULPRIT_BUILD_DIR: an existing culprit build (default: build it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
start=$(date +%s)
if [ -z "${CULPRIT_BUILD_DIR:-}" ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh build/release
  CULPRIT_BUILD_DIR=build/release
fi
culprit=$(cd "$CULPRIT_BUILD_DIR" && pwd)/src/culprit
example=${CULPRIT_KERNEL_EXAMPLE_DIR:-/tmp/culprit-kernel-example}
work=${CULPRIT_KERNEL_FARM_DIR:-/tmp/culprit-kernel-farm}
rm -rf "$work"
mkdir -p "$work"
if [ -d "$example/linux/.git" ] && [ -f "$example/bug-commit" ] && [ -f "$example/kernel.config" ]; then
  repo=$example/linux
  config=$example/kernel.config
  bug=$(cat "$example/bug-commit")
else
  bash examples/kernel/make-kernel-repo.sh "$work"
  repo=$work/linux
  config=$work/kernel.config
  bug=$(cat "$work/bug-commit")
fi

source scripts/farm-daemons.sh
watcher=
cleanup() {
  [ -z "$watcher" ] || kill "$watcher" 2>/dev/null || true
  farm_stop_all
}
trap cleanup EXIT
farm_start_distccd "$work/distcc"
farm_start_sshd "$work/ssh"
host_cache=$work/runner-host-cache
build_farm="distcc://127.0.0.1:$DISTCCD_PORT?slots=2"
vm_host="ssh://root@127.0.0.1:$SSHD_PORT?slots=1&identity=$work/ssh/id_ed25519"
vm_host+="&known_hosts=$work/ssh/known_hosts&accel=tcg&dir=$host_cache"
echo "build farm: $build_farm"
echo "VM host: $vm_host"
log=$work/bisect.log
: > "$log"

# The consoles of runs done on the runner host (culprit names them console-N-on-HOST.log).
remote_consoles() {
  find "$work/culprit.db.d" -name "console-*-on-root@127.0.0.1:$SSHD_PORT.log" 2>/dev/null
}

# The faults, injected from outside as an operator would see them happen.
inject_faults() {
  local distcc_log=$work/distcc/distccd.log
  # distccd drops out in the middle of the first build, and comes back once it is done.
  until [ "$(farm_count 'COMPILE_OK' "$distcc_log")" -ge 100 ]; do sleep 1; done
  echo "fault: stopping distccd after $(farm_count 'COMPILE_OK' "$distcc_log") compile jobs" \
    > "$work/fault-distcc.txt"
  farm_stop_distccd
  until grep -q '^kernel signature: ' "$log"; do sleep 1; done
  farm_start_distccd_again
  echo "fault: distccd started again after the first build" >> "$work/fault-distcc.txt"
  # The runner host dies while a QEMU runs there, once it has finished a few runs.
  local done_runs=0
  while :; do
    done_runs=$(remote_consoles | wc -l)
    if [ "$done_runs" -ge 3 ] && pgrep -f "qemu-system.*$host_cache" > /dev/null; then break; fi
    sleep 1
  done
  sleep 3
  echo "fault: killing the runner host (sshd and its sessions) after $done_runs runs there" \
    > "$work/fault-ssh.txt"
  farm_kill_sshd
}
inject_faults &
watcher=$!

set +e
CCACHE_DIR=$work/ccache "$culprit" bisect --job examples/kernel/job.toml --repo "$repo" \
  --config "$config" --state "$work/culprit.db" --log "$log" --json "$work/result.json" \
  --build-farm "$build_farm" --vm-hosts "$vm_host"
status=$?
set -e
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
watcher=
echo "log: $log, result: $work/result.json, daemons' logs: $work/distcc/distccd.log," \
  "$work/ssh/sshd.log (exit status $status, $(( $(date +%s) - start ))s in all)"
cat "$work"/fault-*.txt 2>/dev/null || true

failed=0
ok() { echo "ok: $1"; }
bad() { echo "FAILED: $1"; failed=1; }
check() {  # check DESCRIPTION PATTERN
  if grep -qE "$2" "$log"; then ok "$1"; else bad "$1 (no /$2/ in $log)"; fi
}
check "names the bug commit" "^first bad commit: $bug "
if [ -f "$example/result.json" ] && [ "$repo" = "$example/linux" ]; then
  local_culprit=$(grep -oE '^first bad commit: [0-9a-f]{40}' "$example/bisect.log" | tail -1 |
    cut -d' ' -f4)
  if [ "$local_culprit" = "$bug" ]; then
    ok "the same culprit as the local example's"
  else
    bad "the local example named ${local_culprit:-nothing}"
  fi
fi
jobs=$(farm_count 'COMPILE_OK' "$work/distcc/distccd.log")
[ "$jobs" -gt 0 ] && ok "distccd compiled $jobs jobs" || bad "distccd logged no compile job"
check "says that compiles ran locally when distccd dropped out" "^build farm: .*locally"
sessions=$(farm_count 'Starting session: command' "$work/ssh/sshd.log")
[ "$sessions" -gt 0 ] && ok "sshd started $sessions sessions" || bad "sshd logged no session"
copied=$(find "$host_cache" -type f 2>/dev/null | wc -l)
[ "$copied" -ge 2 ] && ok "the runner host holds $copied files" ||
  bad "the runner host's cache has $copied files"
remote_runs=$(remote_consoles | wc -l)
[ "$remote_runs" -gt 0 ] && ok "$remote_runs runs were done on the runner host" ||
  bad "no run was done on the runner host"
check "sets the dead runner host aside" "^vm host root@127.0.0.1:$SSHD_PORT set aside"
# Same commit, same signature, however it was built.
signatures() {  # commit signature pairs from a bisect log
  awk '/^testing commit /{c=$3} /^kernel signature: /{print c, $3}' "$1" | sort -u
}
if [ -f "$example/bisect.log" ] && [ "$repo" = "$example/linux" ]; then
  both=$(join <(signatures "$example/bisect.log" | sort -k1,1 -u) \
    <(signatures "$log" | sort -k1,1 -u))
  same=$(awk '$2 == $3' <<< "$both" | grep -c . || true)
  differ=$(awk '$2 != $3' <<< "$both" | grep -c . || true)
  if [ "$same" -gt 0 ] && [ "$differ" -eq 0 ]; then
    ok "$same commits built both ways have the same kernel signature"
  else
    bad "kernel signatures: $same the same, $differ different"$'\n'"$both"
  fi
fi
[ $status = 0 ] || bad "culprit exited with status $status"
exit $failed
