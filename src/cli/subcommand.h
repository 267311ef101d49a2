// A `culprit` subcommand: its CLI11 options are registered on the parent app, and `run` is called
// after parsing when the user chose it. `run` returns the process exit status
// (0 success, 1 error, 2 usage, 3 inconclusive; see README).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace culprit::cli {

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Subcommand add_bisect_command(CLI::App& parent);
Subcommand add_report_command(CLI::App& parent);
Subcommand add_maintainers_command(CLI::App& parent);
Subcommand add_jobs_command(CLI::App& parent);
Subcommand add_show_command(CLI::App& parent);

}  // namespace culprit::cli
