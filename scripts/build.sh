#!/usr/bin/env bash
# Configures and builds culprit into build/release (or the folder given as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/release}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCULPRIT_WERROR=ON "$@" >/dev/null
ninja -C "$dir" -j"$(nproc)"
