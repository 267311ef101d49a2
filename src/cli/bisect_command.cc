// `culprit bisect`: the command backend (a build command and a test command), like
// `git bisect run` with several runs per commit, flakiness and crash titles.
#include <cstdio>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "base/interrupt.h"
#include "builder/command_builder.h"
#include "cli/kernel_options.h"
#include "cli/subcommand.h"
#include "job/bisect_job.h"
#include "runner/command_runner.h"

namespace culprit::cli {

namespace {

struct BisectFlags {
  job::BisectOptions options;
  std::string mode = "cause";
  std::string build_command;
  std::string test_command;
  std::string log_path;
  int build_timeout_s = 3600;
  int test_timeout_s = 600;
  int jobs = 1;
  std::string budget;
  KernelFlags kernel;
  CLI::App* app = nullptr;  // for the job file, which sets options not given as flags
};

int run_bisect_command(BisectFlags& flags) {
  job::BisectOptions& options = flags.options;
  if (Status applied = apply_job_file(*flags.app, flags.kernel.job_file); !applied.ok()) {
    std::fprintf(stderr, "culprit: %s\n", applied.error().message.c_str());
    return 2;
  }
  if (options.bad.empty() || (!flags.kernel.enabled && flags.test_command.empty())) {
    std::fprintf(stderr, "culprit: %s is required\n", options.bad.empty() ? "--bad" : "--test");
    return 2;
  }
  options.mode = flags.mode == "fix" ? job::BisectMode::fix : job::BisectMode::cause;
  if (!flags.budget.empty()) {
    auto budget = job::parse_budget(flags.budget);
    if (!budget) {
      std::fprintf(stderr, "culprit: %s\n", budget.error().message.c_str());
      return 2;
    }
    options.budget = *budget;
  }
  job::JobLog log(stdout, flags.log_path);
  if (!log.file_ok()) {
    std::fprintf(stderr, "culprit: cannot write log file %s\n", flags.log_path.c_str());
    return 1;
  }
  std::unique_ptr<builder::Builder> builder;
  std::unique_ptr<runner::Runner> runner;
  if (flags.kernel.enabled) {
    auto backend = make_kernel_backend(options, flags.kernel, log);
    if (!backend) {
      std::fprintf(stderr, "culprit: %s\n", backend.error().message.c_str());
      return 1;
    }
    builder = std::move(backend->builder);
    runner = std::move(backend->runner);
  } else {
    options.backend_key = fmt::format("command\nbuild={}\ntest={}\nartifact={}",
                                      flags.build_command, flags.test_command, options.artifact);
    builder::CommandBuildConfig build_config;
    build_config.command = flags.build_command;
    build_config.artifact = options.artifact;
    build_config.timeout = std::chrono::seconds(flags.build_timeout_s);
    builder = std::make_unique<builder::CommandBuilder>(build_config);

    runner::CommandRunConfig run_config;
    run_config.command = flags.test_command;
    run_config.timeout = std::chrono::seconds(flags.test_timeout_s);
    run_config.jobs = flags.jobs;
    runner = std::make_unique<runner::CommandRunner>(run_config);
  }
  // SIGUSR1: stop between runs, record the job as cancelled (exit 4); running it again resumes.
  auto cancel = std::make_shared<job::CancelToken>();
  options.cancel = cancel;
  on_stop_request([cancel] { cancel->request(); });
  auto result = job::run_bisect(options, *builder, *runner, log);
  on_stop_request(nullptr);
  if (!result) {
    std::fprintf(stderr, "culprit: %s\n", result.error().message.c_str());
    if (!options.json_path.empty()) {
      std::ofstream out(options.json_path);
      out << nlohmann::json{{"result", "error"}, {"error", result.error().message}}.dump(2) << "\n";
    }
    return 1;
  }
  if (!options.json_path.empty()) {
    std::ofstream out(options.json_path);
    out << result->json.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "culprit: cannot write JSON file %s\n", options.json_path.c_str());
      return 1;
    }
  }
  if (result->kind == job::BisectResult::Kind::error) {
    std::fprintf(stderr, "culprit: %s\n", result->error.c_str());
  }
  return job::exit_status(result->kind);
}

}  // namespace

Subcommand add_bisect_command(CLI::App& parent) {
  auto flags = std::make_shared<BisectFlags>();
  CLI::App* app = parent.add_subcommand(
      "bisect",
      "Find the commit that introduced (or fixed) a crash by building and testing commits");
  job::BisectOptions& options = flags->options;
  app->add_option("--repo", options.repo, "Git repository to bisect (default: .)");
  app->add_option("--bad", options.bad,
                  "Commit where the reproducer crashes (the start of the bisection)");
  app->add_option("--good", options.good,
                  "Cause mode: a commit known not to crash (repeatable; default: walk back release "
                  "tags). Fix mode: a commit where the crash is fixed (default: HEAD)");
  app->add_option("--mode", flags->mode, "cause: first crashing commit; fix: first fixed commit")
      ->check(CLI::IsMember({"cause", "fix"}));
  app->add_option("--strategy", options.strategy,
                  "bayes (default): a posterior over every candidate, updated by every run, tests "
                  "picked by information per cost, stops at --confidence; classic: git bisect "
                  "with syzbot's verdict rule")
      ->check(CLI::IsMember({"bayes", "classic"}));
  app->add_option("--confidence", options.confidence,
                  "bayes: stop when the leading candidate has this probability (default 0.95)")
      ->check(CLI::Range(0.5, 0.999999));
  app->add_option("--budget", flags->budget,
                  "bayes: stop with the best guess once this is spent: builds=N,runs=N,time=6h "
                  "(any of them)");
  app->add_flag("--no-verify", options.no_verify,
               "report a single culprit without the second look (more runs of it and its "
               "parents, and its revert)");
  app->add_option("--parallel", options.parallel,
                  "bayes: commits built (each in its own folder) and tested at once, chosen "
                  "together (1-8)")
      ->check(CLI::Range(1, 8));
  app->add_option("--runs", options.runs,
                  "bayes: runs per batch, the unit it adds to a commit (a commit gets as many "
                  "batches as are worth their cost); classic: runs per commit (>= 10: syzbot's "
                  "verdict rule; fewer: any crash is bad, like git bisect run). Default 10")
      ->check(CLI::PositiveNumber);
  app->add_option("--jobs", flags->jobs, "Runs at once")->check(CLI::PositiveNumber);
  app->add_option("--build", flags->build_command,
                  "Shell command that builds the checkout (non-zero exit: skip the commit)");
  app->add_option("--artifact", options.artifact,
                  "Build output whose signature is recorded (path relative to the checkout)");
  app->add_option("--test", flags->test_command,
                  "Shell command run once per run in the checkout: 0 no crash, 125 cannot test, "
                  "anything else crashed");
  app->add_option("--build-timeout", flags->build_timeout_s, "Seconds before a build is killed")
      ->check(CLI::PositiveNumber);
  app->add_option("--test-timeout", flags->test_timeout_s,
                  "Seconds before a run is killed (a hang)")
      ->check(CLI::PositiveNumber);
  app->add_option("--state", options.state_path,
                  "SQLite state file: every build and run; running again resumes (default: "
                  "culprit.db)");
  app->add_option("--log", flags->log_path, "Also append the log to this file");
  app->add_option("--json", options.json_path, "Write the result as JSON to this file");
  flags->app = app;
  add_kernel_options(*app, flags->kernel);
  return {app, [flags] { return run_bisect_command(*flags); }};
}

}  // namespace culprit::cli
