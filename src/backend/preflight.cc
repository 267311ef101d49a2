#include "backend/preflight.h"

#include <chrono>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "base/files.h"
#include "base/process.h"
#include "builder/kernel_builder.h"
#include "runner/qemu_runner.h"
#include "vcs/repository.h"

namespace culprit::backend {

namespace fs = std::filesystem;

Status check_kernel_repo(const std::string& repo, const std::string& bad) {
  Result<vcs::Repository> opened = vcs::Repository::open(repo);
  if (!opened.ok()) return {};
  Result<std::string> commit = opened->resolve(bad);
  if (!commit.ok()) return {};
  for (const char* file : {"Kconfig", "Makefile", "arch/x86/Makefile"}) {
    Result<bool> found = opened->has_path(*commit, file);
    if (!found.ok() || !*found) {
      return make_error(
          fmt::format("not a Linux kernel tree: {} has no {} at {}", repo, file, bad));
    }
  }
  return {};
}

Status check_kernel_config(const std::string& repo, const std::string& config,
                           const std::string& scratch, const BackendLog& log) {
  std::string text = read_file(config, "kernel config").value_or("");
  if (text.find("CONFIG_") == std::string::npos) {
    return make_error(fmt::format("not a kernel config: {} has no CONFIG_ lines", config));
  }
  std::error_code ec;
  if (!builder::check_kernel_tree(repo).ok() || fs::exists(fs::path(repo) / ".config", ec) ||
      fs::exists(fs::path(repo) / "include/config", ec)) {
    return {};
  }
  log(fmt::format("checking config {} with make olddefconfig", config));
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch, ec);
  fs::copy_file(config, fs::path(scratch) / ".config", fs::copy_options::overwrite_existing, ec);
  if (ec) return make_error(fmt::format("cannot copy {}: {}", config, ec.message()));
  ProcessSpec spec;
  spec.argv = {"make", "-C", repo, "O=" + fs::absolute(scratch).string(), "olddefconfig"};
  spec.timeout = std::chrono::seconds(600);
  Result<ProcessResult> configured = run_process(spec);
  if (!configured.ok()) {
    return make_error("cannot run make: " + configured.error().message + " (install make)");
  }
  std::string result = read_file((fs::path(scratch) / ".config").string(), ".config").value_or("");
  fs::remove_all(scratch, ec);
  if (configured->end != ProcessResult::End::exited || configured->exit_status != 0) {
    std::vector<std::string> cause = builder::build_root_cause(configured->output, 5);
    return make_error(fmt::format("make olddefconfig rejects {}: {}", config,
                                  cause.empty()
                                      ? "exit status " + std::to_string(configured->exit_status)
                                      : fmt::format("{}", fmt::join(cause, "; "))));
  }
  for (const std::string& option : builder::required_boot_options()) {
    if (builder::config_value(result, option) != "y") {
      return make_error(fmt::format(
          "config {} gives no CONFIG_{}=y after make olddefconfig; culprit's VMs need it "
          "(with {})",
          config, option, fmt::join(builder::required_boot_options(), ", ")));
    }
  }
  return {};
}

int vms_for_memory(int wanted, int memory_mb, const BackendLog& log) {
  long available = runner::available_memory_mb();
  int vms = runner::vms_that_fit(wanted, memory_mb, available);
  if (vms < wanted) {
    log(fmt::format("not enough memory for {} VMs of {} MiB ({} MiB available): using {} VMs",
                    wanted, memory_mb, available, vms));
  }
  return vms;
}

}  // namespace culprit::backend
