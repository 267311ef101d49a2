// The kernel backend's checks before anything is built, so that a mistake in the input is one
// error naming the input at fault rather than every commit of the bisection failing:
//   - the repository's `bad` commit holds a kernel tree (read through libgit2);
//   - the config is one that `make olddefconfig` accepts and that keeps what culprit's VMs need;
//   - there is memory for the VMs asked for.
// That QEMU runs and that the reproducer compiles are checked where they are used
// (runner::check_qemu, runner::prepare_vm_files).
#pragma once

#include <string>

#include "backend/backend.h"
#include "base/result.h"

namespace culprit::backend {

// Whether `bad` in `repo` has Kconfig, Makefile and arch/x86/Makefile. An unknown repository or
// revision passes: the bisection names it. Error: "not a Linux kernel tree: REPO has no FILE at
// BAD".
Status check_kernel_repo(const std::string& repo, const std::string& bad);

// Whether `config` is a kernel config (it has CONFIG_ lines) that `make olddefconfig` accepts on
// the repository's work tree, run in the scratch build folder `scratch` (removed after), and
// that still sets every builder::required_boot_options() to y. The make part is skipped when the
// work tree is no clean kernel tree (not a kernel, or configured in place). Logs that it runs.
Status check_kernel_config(const std::string& repo, const std::string& config,
                           const std::string& scratch, const BackendLog& log);

// How many of `wanted` VMs of `memory_mb` MiB each fit in the memory available now (at least
// one); logs when that is fewer than wanted.
int vms_for_memory(int wanted, int memory_mb, const BackendLog& log);

}  // namespace culprit::backend
