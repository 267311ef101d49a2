#!/usr/bin/env bash
# The service's memory (issue 15): `culprit serve`'s resident memory idle, then with 10 jobs
# queued behind a running one (--max-jobs 1), then with all 11 finished and their pages read, as
# ratios to the idle figure of the same run. Only the service process is counted: each job runs
# in a `culprit bisect` process of its own. Usage: bench/serve_memory.sh (build/release built).
set -euo pipefail
cd "$(dirname "$0")/.."
culprit=$PWD/build/release/src/culprit
[ -x "$culprit" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill -9 $server 2>/dev/null; rm -rf "$work"' EXIT
bash examples/flaky-crash/make-repo.sh "$work/repo" > /dev/null
cp examples/flaky-crash/job.toml "$work/job.toml"
"$culprit" serve --state-dir "$work/state" --listen 127.0.0.1:0 > "$work/serve.out" 2>&1 &
server=$!
until grep -q "culprit serve: http" "$work/serve.out"; do sleep 0.1; done
url=$(sed -n 's/^culprit serve: \(http[^ ]*\) .*/\1/p' "$work/serve.out")
token=$(cat "$work/state/token")
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
idle=$(rss)
for _ in $(seq 11); do
  "$culprit" submit --server "$url" --token-file "$work/state/token" "$work/job.toml" > /dev/null
done
sleep 0.5
curl -s -H "Authorization: Bearer $token" "${url}api/jobs" > /dev/null
queued=$(curl -s -H "Authorization: Bearer $token" "${url}api/jobs" |
  python3 -c 'import json,sys; print(sum(j["state"]=="queued" for j in json.load(sys.stdin)["jobs"]))')
with_queue=$(rss)
for _ in $(seq 600); do
  left=$(curl -s -H "Authorization: Bearer $token" "${url}api/jobs" |
    python3 -c 'import json,sys; print(sum(j["state"] in ("queued","running") for j in json.load(sys.stdin)["jobs"]))')
  [ "$left" = 0 ] && break
  sleep 1
done
for id in $(seq 11); do
  curl -s -H "Authorization: Bearer $token" "${url}api/jobs/$id" > /dev/null
done
finished=$(rss)
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
python3 - "$idle" "$with_queue" "$queued" "$finished" "$peak" <<'PY'
import sys
idle, queued_rss, queued, done, peak = map(int, sys.argv[1:])
print(f"serve memory: idle {idle/1024:.1f} MiB")
print(f"serve memory: {queued} jobs queued (1 running) {queued_rss/1024:.1f} MiB = {queued_rss/idle:.2f}x idle")
print(f"serve memory: 11 jobs done, every page read {done/1024:.1f} MiB = {done/idle:.2f}x idle; peak {peak/1024:.1f} MiB")
PY
