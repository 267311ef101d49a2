// The build farm's up-front check: before a job starts, every host must compile with the very
// compilers the job will use, or farm-built kernels would differ from local ones (and from one
// build to the next, depending on which host took a file).
//
// For each host and each compiler, a tiny probe C file is compiled through that host alone
// (DISTCC_HOSTS=HOST, DISTCC_FALLBACK=0: distcc must not quietly compile here) and the object's
// `.comment` section -- the compiler's own `.ident` string, "GCC: (Debian 12.2.0-14+deb12u1)
// 12.2.0", which the host's compiler writes -- is compared with a local compile's. Errors are one
// line naming the host:
//
//   build farm host 127.0.0.1:3633: cannot connect (Connection refused)
//   build farm host 127.0.0.1:3632: clang-14 is missing there (distccd cannot run it)
//   build farm host 127.0.0.1:3632: gcc-12 differs: `Debian clang version 14.0.6` there,
//     `GCC: (Debian 12.2.0-14+deb12u1) 12.2.0` here
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/build_farm.h"
#include "builder/compiler_table.h"

namespace culprit::builder {

// The compilers a job may build with: each of the table's (entries and default, without a
// leading "ccache " and without arguments), "gcc" for the system compiler. No table: {"gcc"}.
std::vector<std::string> farm_compilers(const std::optional<CompilerTable>& table);

struct FarmCheckOptions {
  std::vector<std::string> compilers;  // farm_compilers()
  // Builds run ccache in front: ccache hands distcc the compiler's path in $PATH
  // ("/usr/bin/gcc-12"), which the host then runs as it is; without ccache the bare name goes,
  // and the host looks it up in distccd's $PATH. The probe sends what builds will send.
  bool through_ccache = false;
  std::string scratch_dir;           // created; the probe's files
  std::chrono::seconds timeout{60};  // per probe compile: distcc retries a host that hangs up
};

// Ok when every host compiles the probe with every compiler as this machine does. Also checks
// that distcc is installed ("--build-farm needs distcc: install the distcc package").
Status check_build_farm(const BuildFarm& farm, const FarmCheckOptions& options);

// The `.comment` section of the ELF object at `path`, its NUL-separated strings joined with "; "
// ("" when it has none).
Result<std::string> elf_comment(const std::string& path);

}  // namespace culprit::builder
