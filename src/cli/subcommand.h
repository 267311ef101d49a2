// A `culprit` subcommand: its CLI11 options are registered on the parent app, and `run` is called
// after parsing when the user chose it. `run` returns the process exit status
// (0 success, 1 error, 2 usage, 3 inconclusive; see README).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <functional>
#include <string>

#include "base/result.h"

namespace culprit::cli {

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Checks that an option's value is a whole number of at least 1, with a message that says so
// (CLI11's PositiveNumber prints its range as a 300-digit double).
inline const CLI::Validator kAtLeastOne(
    [](std::string& value) -> std::string {
      char* end = nullptr;
      const long number = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || number < 1) {
        return "must be a whole number of at least 1, not '" + value + "'";
      }
      return "";
    },
    "N>=1");

Subcommand add_bisect_command(CLI::App& parent);
// `culprit minimize-config`: a bisection job that stops once the kernel config is minimized.
Subcommand add_minimize_config_command(CLI::App& parent);
Subcommand add_serve_command(CLI::App& parent);
Subcommand add_submit_command(CLI::App& parent);
Subcommand add_report_command(CLI::App& parent);
Subcommand add_maintainers_command(CLI::App& parent);
Subcommand add_jobs_command(CLI::App& parent);
Subcommand add_show_command(CLI::App& parent);

// Reads the job file `path` as `culprit bisect --job PATH --job-base BASE_DIR` would, and checks
// it names what a bisection needs. Error: the first thing wrong, naming the file.
Status check_bisect_job_file(const std::string& path, const std::string& base_dir);

}  // namespace culprit::cli
