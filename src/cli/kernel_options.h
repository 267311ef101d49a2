// `culprit bisect --kernel`: the kernel backend's flags, and the TOML job file (`--job FILE`,
// backend/job_file.h) that can hold any `culprit bisect` option (flags given on the command line
// override it). The flags fill backend::KernelBackendOptions; backend/kernel_backend.h does the
// rest.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "backend/backend.h"
#include "backend/kernel_backend.h"
#include "base/result.h"
#include "job/bisect_job.h"
#include "job/job_log.h"

namespace culprit::cli {

struct KernelFlags {
  bool enabled = false;  // --kernel
  std::string job_file;  // --job
  std::string job_base;  // --job-base: where the job file's relative paths start
  // The kernel options; repo, bad, work_dir and parallel are the bisection's (kernel_backend()).
  backend::KernelBackendOptions options;
};

// Registers --kernel, --job and the kernel options on `bisect`.
void add_kernel_options(CLI::App& bisect, KernelFlags& flags);

// Sets every option of `app` that the command line did not give from the TOML job file `path`
// ("" does nothing), its relative paths taken from `base_dir` (backend::read_job_file). Errors
// name the file and the key.
Status apply_job_file(CLI::App& app, const std::string& path, const std::string& base_dir = "");

// The kernel backend for the bisection `options`: the flags that it needs, then
// backend::make_kernel_backend, logging to `log`.
Result<backend::Backend> kernel_backend(const job::BisectOptions& options, const KernelFlags& flags,
                                        job::JobLog& log);

}  // namespace culprit::cli
