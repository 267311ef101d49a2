// The initramfs culprit boots every kernel with: a static init program of ours and the
// reproducer, packed as a newc cpio archive by Debian's `cpio` (no root needed: /dev is a
// devtmpfs the init mounts).
//
// The init mounts /dev, /proc and /sys, makes /dev/console its stdin/stdout/stderr, prints
// kBootedMarker, then runs /repro again and again (each run in /tmp, a fresh process) until
// `culprit_run_time` seconds (from the kernel command line) have passed, printing a heartbeat
// line at most every few seconds as runs end. Then it prints kDoneMarker and reboots, which QEMU's
// -no-reboot turns into an exit. A reproducer run that never ends means no more heartbeats: the
// runner's no-output timeout turns that into a hang.
//
// prepare_vm_files() makes all of it for one job, from the reproducer's source or binary.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace culprit::runner {

inline constexpr std::string_view kBootedMarker = "culprit-init: booted";
inline constexpr std::string_view kHeartbeatMarker = "culprit-init: runs so far:";
inline constexpr std::string_view kDoneMarker = "culprit-init: done";
// The kernel command line parameter the init reads its run time from (seconds).
inline constexpr std::string_view kRunTimeParameter = "culprit_run_time";

// The C source of the init program.
std::string_view init_source();

// Compiles C `source_file` into a static executable `output` with the host compiler ($CC or cc):
// `cc -static -O2 -pthread -o OUTPUT SOURCE`. The error holds the compiler's first error lines.
Status compile_static(const std::string& source_file, const std::string& output);

// Writes init.c into `dir`, compiles it to `dir`/init.
Result<std::string> build_init(const std::string& dir);

// Packs `init` as /init and `reproducer` as /repro, with the directories /dev /proc /sys /tmp,
// into the newc archive `output` (uncompressed: the kernel needs no decompressor for it).
// `staging_dir` is emptied and used to lay the files out.
Status make_initramfs(const std::string& init, const std::string& reproducer,
                      const std::string& staging_dir, const std::string& output);

// What one job's VMs boot: the compiled reproducer and the initramfs holding it.
struct VmFiles {
  std::string reproducer;  // static executable
  std::string init;
  std::string initramfs;
};

// Compiles the reproducer (when `repro_source` is given; else uses `repro_binary`) and the init
// into `dir`, and packs them into `dir`/initramfs.cpio. Errors name the input at fault.
Result<VmFiles> prepare_vm_files(const std::string& dir, const std::string& repro_source,
                                 const std::string& repro_binary);

}  // namespace culprit::runner
