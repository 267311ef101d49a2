#!/usr/bin/env bash
# Config minimization's benchmark (docs/config-minimization.md): the bundled kernel example with
# its config padded (examples/kernel/padding.config) is minimized by `culprit minimize-config`;
# then a clean build of the padded ("full") config and one of the minimized config, one after the
# other in fresh build folders with ccache off, give the clean-build time ratio in one run.
# Prints options before/after, the builds the minimization spent and both build times.
#
#   bench/config_minimize.sh [EXAMPLE_DIR]
#
# EXAMPLE_DIR: a folder made by examples/kernel/make-kernel-repo.sh (made here when it has no
# linux/ yet; default /tmp/culprit-config-bench, ~3 GB). CULPRIT_BUILD_DIR: culprit's build
# (default build/release). Takes ~25 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
culprit=${CULPRIT_BUILD_DIR:-build/release}/src/culprit
dir=${1:-/tmp/culprit-config-bench}
mkdir -p "$dir"
[ -d "$dir/linux/.git" ] || bash examples/kernel/make-kernel-repo.sh "$dir"
work=$dir/config-bench
rm -rf "$work"
mkdir -p "$work"
cat "$dir/kernel.config" examples/kernel/padding.config >"$work/full.config"

start=$(date +%s)
"$culprit" minimize-config --job examples/kernel/job.toml --repo "$dir/linux" \
  --commit "$(cat "$dir/bug-commit")" --config "$work/full.config" \
  --output "$work/minimized.config" --state "$work/culprit.db" --log "$work/minimize.log" \
  --json "$work/minimize.json" >/dev/null
minimize_s=$(($(date +%s) - start))

clean_build() {  # clean_build CONFIG NAME -> seconds
  local out=$work/build-$2
  rm -rf "$out"
  mkdir -p "$out"
  cp "$1" "$out/.config"
  make -s -C "$work/culprit.db.d/job-1/checkout" O="$out" olddefconfig >"$out/olddefconfig.log" 2>&1
  local t0
  t0=$(date +%s.%N)
  CCACHE_DISABLE=1 make -s -C "$work/culprit.db.d/job-1/checkout" O="$out" -j"$(nproc)" \
    bzImage >"$out/build.log" 2>&1
  echo "$(date +%s.%N) - $t0" | bc
}
full_s=$(clean_build "$work/full.config" full)
minimized_s=$(clean_build "$work/minimized.config" minimized)
on() { grep -c '=[ym]$' "$1"; }
python3 - "$work/minimize.json" "$full_s" "$minimized_s" "$minimize_s" \
  "$(on "$work/build-full/.config")" "$(on "$work/build-minimized/.config")" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["config_minimization"]
full_s, minimized_s, minimize_s = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"options on: full {sys.argv[5]}, minimized {sys.argv[6]} "
      f"(diff searched: {result['diff']}, dropped {len(result['dropped'])}, "
      f"needed {len(result['needed'])})")
print(f"minimization: {result['builds']} builds for {result['candidates']} candidates, "
      f"{minimize_s:.0f} s in all (start commit tested with the full config included), "
      f"confidence {result['confidence']:.3f}")
print(f"clean build: full {full_s:.0f} s, minimized {minimized_s:.0f} s, "
      f"ratio {full_s / minimized_s:.2f}")
PY
echo "logs: $work (build folders: rm -rf $work/build-*)"
