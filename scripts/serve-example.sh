#!/usr/bin/env bash
# The bisection service on the bundled examples (README, "The service"): installs what is needed,
# builds culprit, makes both example histories (the small C project; the kernel tree, ~2.5 GB),
# starts `culprit serve` on 127.0.0.1:8080, submits both jobs with `culprit submit`, and keeps the
# service running until Ctrl-C. Open the URL it prints and sign in with the token in
# $work/state/token. Starting it again resumes what was running.
# CULPRIT_SERVE_EXAMPLE_DIR: where to work (default /tmp/culprit-serve-example).
# CULPRIT_SERVE_LISTEN: the address (default 127.0.0.1:8080).
# CULPRIT_SERVE_NO_KERNEL=1: the C project only (no kernel tree, no QEMU).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/install-deps.sh
bash scripts/build.sh build/release
culprit=$root/build/release/src/culprit
work=${CULPRIT_SERVE_EXAMPLE_DIR:-/tmp/culprit-serve-example}
listen=${CULPRIT_SERVE_LISTEN:-127.0.0.1:8080}
mkdir -p "$work"
if [ ! -d "$work/flaky/repo" ]; then
  bash examples/flaky-crash/make-repo.sh "$work/flaky/repo" > /dev/null
fi
cp examples/flaky-crash/job.toml "$work/flaky/job.toml"
jobs=("$work/flaky/job.toml")
if [ "${CULPRIT_SERVE_NO_KERNEL:-}" != 1 ]; then
  if [ ! -d "$work/kernel/linux" ]; then
    mkdir -p "$work/kernel"
    bash examples/kernel/make-kernel-repo.sh "$work/kernel"
  fi
  # The kernel example's job file, with the paths it needs here.
  { grep -v '^repro' examples/kernel/job.toml
    echo "repro = \"$root/examples/kernel/repro.c\""
    echo 'repo = "linux"'
    echo 'config = "kernel.config"'
  } > "$work/kernel/job.toml"
  jobs+=("$work/kernel/job.toml")
fi

"$culprit" serve --state-dir "$work/state" --listen "$listen" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do
  [ -s "$work/state/token" ] && break
  sleep 0.1
done
# A job already submitted (the script run again) is resumed by the service, not sent twice.
if [ ! -e "$work/submitted" ]; then
  for job in "${jobs[@]}"; do
    "$culprit" submit --server "http://$listen" --token-file "$work/state/token" "$job"
  done
  touch "$work/submitted"
fi
echo "open http://$listen/ and sign in with the token in $work/state/token (Ctrl-C stops)"
wait $server
