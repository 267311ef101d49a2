// Backends: how each commit of a bisection is built and tested, assembled from plain options (no
// command-line parsing here). The command backend (backend/command_backend.h) runs the user's
// build and test commands; the kernel backend (backend/kernel_backend.h) builds Linux with make
// and runs the reproducer in QEMU VMs, after the checks of backend/preflight.h. The CLI maps its
// flags to their options and hands the Backend to job::run_bisect.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "builder/builder.h"
#include "runner/runner.h"

namespace culprit::backend {

struct Backend {
  std::unique_ptr<builder::Builder> builder;
  std::unique_ptr<runner::Runner> runner;
  // What identifies the build and the test, for the job key (job::BisectOptions::backend_key): a
  // job started again with other commands or other kernel inputs is another job.
  std::string key;
  // Build folders to keep ready (job::BisectOptions::build_slots); 0: the job's default.
  int build_slots = 0;
  // Runs the runner starts at once (job::BisectOptions::run_slots).
  int run_slots = 0;
  // The architecture the builds target (job::BisectOptions::arch); empty: unknown.
  std::string arch;
};

// Where assembling a backend says what it does, one line at a time (the job log).
using BackendLog = std::function<void(const std::string& line)>;

}  // namespace culprit::backend
