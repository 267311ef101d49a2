#!/usr/bin/env bash
# Installs culprit's build and test dependencies from Debian 12 packages (run as root).
# Does nothing when they are all there already.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git make ccache
  libgit2-dev libsqlite3-dev libssl-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libtomlplusplus-dev libre2-dev libhyperscan-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # `culprit serve`: its HTTP server; its browser tests drive Debian's headless chromium
  libcpp-httplib-dev chromium
  # the KCIDB schema check of `culprit show --kcidb` (tests/integration/show_formats_test.cc)
  python3-jsonschema
  clang libclang-rt-14-dev
  # the kernel backend's example and tests: a kernel tree, its build tools, QEMU, cpio
  linux-source-6.1 bison flex bc libelf-dev libssl-dev xz-utils cpio qemu-system-x86
  # VM hosts over ssh (--vm-hosts) and their tests' throwaway sshd (tests/support/ssh_server.h)
  openssh-server openssh-client
  # --build-farm: the distcc client for kernel compiles on other machines, and distccd for its
  # tests (tests/support/distcc_daemon.h starts real daemons on 127.0.0.1)
  distcc
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
