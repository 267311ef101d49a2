// `culprit bisect --kernel`: the kernel backend's options, and the TOML job file (`--job FILE`)
// that can hold any `culprit bisect` option (flags given on the command line override it).
//
// Job file: one key per long option name, without the dashes:
//
//   kernel = true
//   repo = "linux"                  # paths are relative to the job file
//   bad = "HEAD"
//   good = ["v6.1"]
//   config = "kernel.config"
//   repro = "repro.c"
//   vms = 2
//   vm-memory = "512M"
//   run-time = 10
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "base/result.h"
#include "builder/builder.h"
#include "job/bisect_job.h"
#include "job/job_log.h"
#include "runner/runner.h"

namespace culprit::cli {

struct KernelFlags {
  bool enabled = false;  // --kernel
  std::string job_file;
  std::string config;
  std::string repro;
  std::string repro_bin;
  int vms = 0;  // 0: one per CPU
  std::string vm_memory = "512M";
  int run_time_s = 10;
  int boot_timeout_s = 120;
  int no_output_timeout_s = 60;
  std::string cmdline;
  std::string compilers;
  std::string accelerator = "auto";
  int build_jobs = 0;  // 0: one per CPU
  int build_timeout_s = 3 * 3600;
};

// Registers --kernel, --job and the kernel options on `bisect`.
void add_kernel_options(CLI::App& bisect, KernelFlags& flags);

// Sets every option of `app` that the command line did not give from the TOML job file `path`
// ("" does nothing). Errors name the file and the key.
Status apply_job_file(CLI::App& app, const std::string& path);

// "512", "512M", "2G" -> MiB.
Result<int> parse_memory_mb(const std::string& text);

// The kernel backend, ready to run: checks the input (a kernel tree, a config olddefconfig keeps
// bootable, a reproducer that compiles, qemu installed, memory for the VMs), builds the
// reproducer and the initramfs, and fills `options.backend_key`. Logs what it does.
struct KernelBackend {
  std::unique_ptr<builder::Builder> builder;
  std::unique_ptr<runner::Runner> runner;
};
Result<KernelBackend> make_kernel_backend(job::BisectOptions& options, const KernelFlags& flags,
                                          job::JobLog& log);

}  // namespace culprit::cli
