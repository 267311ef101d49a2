// culprit: find the commit that introduced (or fixed) a crash.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <vector>

#include "base/interrupt.h"
#include "base/orphan_reaper.h"
#include "cli/subcommand.h"

int main(int argc, char** argv) {
  // The reaper first, while culprit is one thread holding nothing (base/orphan_reaper.h).
  culprit::start_orphan_reaper();
  culprit::install_interrupt_handling();
  CLI::App app{"culprit: find the commit that introduced (or fixed) a crash", "culprit"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "culprit 0.1.0");
  std::vector<culprit::cli::Subcommand> subcommands = {
      culprit::cli::add_bisect_command(app),      culprit::cli::add_report_command(app),
      culprit::cli::add_maintainers_command(app), culprit::cli::add_jobs_command(app),
      culprit::cli::add_show_command(app),        culprit::cli::add_serve_command(app),
      culprit::cli::add_submit_command(app),      culprit::cli::add_minimize_config_command(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int status = app.exit(error);
    return status == 0 ? 0 : 2;
  }
  for (const culprit::cli::Subcommand& subcommand : subcommands) {
    if (subcommand.app->parsed()) return subcommand.run();
  }
  return 2;
}
