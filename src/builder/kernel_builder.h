// KernelBuilder: the kernel backend's build. Builds a Linux tree out of tree, in one build folder
// per job that is kept between commits so only what changed is rebuilt:
//
//   cp CONFIG BUILD/.config
//   make -C CHECKOUT O=BUILD CC=COMPILER olddefconfig
//   make -C CHECKOUT O=BUILD CC=COMPILER -jN bzImage
//
// with syzbot's reproducible environment (KBUILD_BUILD_TIMESTAMP/USER/HOST/VERSION, LOCALVERSION)
// and ccache in front of the compiler when it is installed. The compiler comes from a
// CompilerTable (by the newest release tag reachable from the commit, read through libgit2),
// default the system one. With a BuildFarm the compiles go to distcc hosts (builder/build_farm.h);
// compiles that fell back to this machine are a note in the BuildResult, not a failure.
//
// A failed build is a skip whose log_tail holds the root-cause lines (the first error lines, at
// most 20); a build killed for memory is an infra error. Per commit, the .config used and the
// whole build log are kept under JOB_DIR/artifacts/<commit12>/ and listed in `artifacts`.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "builder/build_farm.h"
#include "builder/builder.h"
#include "builder/compiler_table.h"

namespace culprit::builder {

struct KernelBuildConfig {
  std::string repo;                        // the git repository, to find a commit's release tags
  std::string config_path;                 // the kernel .config every commit starts from
  std::optional<CompilerTable> compilers;  // none: the system compiler for every commit
  int jobs = 0;                            // make -j; 0: the number of CPUs
  std::chrono::seconds timeout{3 * 3600};
  bool use_ccache = true;         // when ccache is installed
  std::optional<BuildFarm> farm;  // compile on these distcc hosts; none: here
  std::string timestamp = "Thu Jan  1 00:00:00 UTC 2026";  // KBUILD_BUILD_TIMESTAMP
};

class KernelBuilder final : public Builder {
 public:
  // The build folder of a checkout: JOB_DIR/build for JOB_DIR/checkout, JOB_DIR/build-NAME for
  // any other checkout folder NAME (commits built side by side each keep their own build).
  static std::string build_dir(const std::string& job_dir, const std::string& checkout_dir);
  // The bootable image that build() makes in that folder.
  static std::string image_path(const std::string& job_dir, const std::string& checkout_dir);
  static constexpr const char* kArtifactsDir = "artifacts";

  explicit KernelBuilder(KernelBuildConfig config);
  // Whether builds run ccache in front of the compiler (asked for, and installed).
  bool uses_ccache() const { return have_ccache_; }
  BuildResult build(const BuildRequest& request) override;
  // Runs `make TARGET` (olddefconfig, tinyconfig) in a scratch build folder beside the
  // checkout's (BUILD-kconfig), with the compiler the commit's build would use: Kconfig asks it
  // what it supports.
  Result<std::string> resolve_config(const BuildRequest& request, const std::string& target,
                                     const std::string& config_text) override;

 private:
  std::string compiler_command(const std::string& commit) const;
  // "ccache gcc" or the table's compiler for the request's commit; with a farm, distcc's
  // (farm_compiler_command).
  std::string cc_for(const BuildRequest& request) const;
  // The make argument vector and environment every make of a build uses.
  std::vector<std::string> make_argv(const std::string& checkout, const std::string& build_dir,
                                     const std::string& cc) const;
  std::map<std::string, std::string> make_env(const BuildRequest& request,
                                              const std::string& job_dir) const;

  KernelBuildConfig config_;
  bool have_ccache_ = false;
};

// Whether `dir` looks like a Linux source tree that builds for x86 (Kconfig, Makefile,
// arch/x86/Makefile). The error names the first missing file.
Status check_kernel_tree(const std::string& dir);

// The root cause of a failed build from its output: the first lines that say what broke (compiler
// errors, linker errors, missing files; make's own `Error N` lines only when there is nothing
// better), at most `limit` of them. Empty when nothing in the output looks like an error.
std::vector<std::string> build_root_cause(const std::string& output, std::size_t limit = 20);

// Whether a failed build was killed for memory (the OOM killer took the compiler or make).
bool killed_for_memory(const std::string& output);

// LINUX_COMPILER from BUILD/include/generated/compile.h, "" when there is none.
std::string kernel_compiler_line(const std::string& build_dir);

// The value of CONFIG_`name` in a .config's text: "y", "m", a number or a quoted string;
// nothing when it is unset or absent.
std::optional<std::string> config_value(const std::string& config_text, const std::string& name);

// Options a kernel needs to boot culprit's initramfs in QEMU and print on its serial console.
const std::vector<std::string>& required_boot_options();

}  // namespace culprit::builder
