// `culprit bisect`: the flags of the command backend (a build command and a test command, like
// `git bisect run` with several runs per commit, flakiness and crash titles) and of the kernel
// backend (cli/kernel_options.h). src/backend assembles the backend, src/job runs the bisection.
// `culprit minimize-config` is the same job stopped once the kernel config is minimized
// (job/config_minimization.cc), with the start commit named --commit.
#include <cstdio>
#include <fstream>
#include <memory>

#include "backend/command_backend.h"
#include "base/interrupt.h"
#include "cli/kernel_options.h"
#include "cli/subcommand.h"
#include "job/bisect_job.h"
#include "job/event_json.h"
#include "job/log_subscriber.h"

namespace culprit::cli {

namespace {

struct BisectFlags {
  job::BisectOptions options;
  std::string mode = "cause";
  backend::CommandBackendOptions command;  // its artifact is options.artifact
  std::string log_path;
  std::string events_path;
  std::string budget;
  KernelFlags kernel;
  bool minimize_only = false;  // `culprit minimize-config`
  CLI::App* app = nullptr;     // for the job file, which sets options not given as flags
};

// The job file's settings, then what every bisection needs.
Status complete_flags(BisectFlags& flags) {
  CULPRIT_TRY(apply_job_file(*flags.app, flags.kernel.job_file, flags.kernel.job_base));
  if (flags.options.bad.empty()) {
    return make_error(flags.minimize_only ? "--commit is required" : "--bad is required");
  }
  if ((flags.minimize_only || flags.options.minimize.enabled) && !flags.kernel.enabled) {
    return make_error("config minimization needs the kernel backend (--kernel)");
  }
  if (!flags.kernel.enabled && flags.command.test_command.empty()) {
    return make_error("--test is required");
  }
  return {};
}

int run_bisect_command(BisectFlags& flags) {
  // Ctrl-C kills the runs in flight; the store keeps what was done.
  set_interrupt_note("run the same command to resume");
  job::BisectOptions& options = flags.options;
  if (Status completed = complete_flags(flags); !completed.ok()) {
    std::fprintf(stderr, "culprit: %s\n", completed.error().message.c_str());
    return 2;
  }
  if (!flags.kernel.enabled) {
    for (auto [command, what] : {std::pair{&flags.command.test_command, "--test"},
                                 std::pair{&flags.command.build_command, "--build"}}) {
      auto resolved = backend::resolve_command_path(
          *command, what, options.repo,
          command == &flags.command.test_command ? options.artifact : std::string());
      if (!resolved) {
        std::fprintf(stderr, "culprit: %s\n", resolved.error().message.c_str());
        return 1;
      }
      *command = *resolved;
    }
  }
  options.mode = flags.mode == "fix" ? job::BisectMode::fix : job::BisectMode::cause;
  if (flags.minimize_only) {
    options.minimize.enabled = true;
    options.minimize.only = true;
  }
  options.minimize.full = flags.kernel.options.config;
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
  backend::Backend backend;
  if (flags.kernel.enabled) {
    auto kernel = kernel_backend(options, flags.kernel, log);
    if (!kernel) {
      std::fprintf(stderr, "culprit: %s\n", kernel.error().message.c_str());
      return 1;
    }
    backend = std::move(*kernel);
  } else {
    flags.command.artifact = options.artifact;
    backend = backend::make_command_backend(flags.command);
  }
  options.backend_key = backend.key;
  options.build_slots = backend.build_slots;
  options.run_slots = backend.run_slots;
  options.arch = backend.arch;
  job::EventBus events;
  job::attach_log(events, log);
  std::unique_ptr<job::EventFile> event_file;
  if (!flags.events_path.empty()) {
    auto opened = job::EventFile::open(flags.events_path);
    if (!opened) {
      std::fprintf(stderr, "culprit: %s\n", opened.error().message.c_str());
      return 1;
    }
    event_file = std::move(*opened);
    events.subscribe([&event_file](const job::Event& event) { event_file->write(event); });
  }
  // SIGUSR1: stop between runs, record the job as cancelled (exit 4); running it again resumes.
  auto cancel = std::make_shared<job::CancelToken>();
  options.cancel = cancel;
  on_stop_request([cancel] { cancel->request(); });
  auto result = job::run_bisect(options, *backend.builder, *backend.runner, events);
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

// Registers `bisect` (or `minimize-config`, when `flags->minimize_only`) and its options on
// `parent`, to fill `flags`.
CLI::App* add_bisect_options(CLI::App& parent, const std::shared_ptr<BisectFlags>& flags) {
  job::BisectOptions& options = flags->options;
  job::BisectOptions::ConfigMinimization& minimize = options.minimize;
  CLI::App* app = nullptr;
  if (flags->minimize_only) {
    app = parent.add_subcommand(
        "minimize-config",
        "Kernel: find a smaller config on which a commit still crashes with the bug's titles");
    app->add_option("--commit,--bad", options.bad, "Commit where the reproducer crashes");
    app->add_option("--base", minimize.base,
                    "Base config the bug's --config is minimized against (default: tinyconfig "
                    "plus what culprit's VM needs to boot)");
    app->add_option("--build-budget", minimize.build_budget,
                    "Candidate configs built at most (default 16)")
        ->check(kAtLeastOne);
    app->add_option("--output", minimize.output,
                    "Where the minimized config goes (default: STATE.d/minimized.config; what "
                    "was dropped: the same name plus .log)");
  } else {
    app = parent.add_subcommand(
        "bisect",
        "Find the commit that introduced (or fixed) a crash by building and testing commits");
    app->add_option("--bad", options.bad,
                    "Commit where the reproducer crashes (the start of the bisection)");
    app->add_flag("--minimize-config", minimize.enabled,
                  "Kernel: first minimize --config on the start commit (as `culprit "
                  "minimize-config`), then build every commit with the result");
    app->add_option("--minimize-base", minimize.base,
                    "Kernel: the base of --minimize-config (default: tinyconfig plus what "
                    "culprit's VM needs to boot)");
    app->add_option("--minimize-budget", minimize.build_budget,
                    "Kernel: candidate configs --minimize-config builds at most (default 16)")
        ->check(kAtLeastOne);
  }
  app->add_option("--repo", options.repo, "Git repository to bisect (default: .)");
  app->add_option("--good", options.good,
                  "Cause mode: a commit known not to crash (repeatable; default: look for one "
                  "among the release tags -- bayes: chosen by the evidence, galloping back along "
                  "first parents without tags; classic: syzbot's thinned walk). Fix mode: a commit "
                  "where the crash is fixed (default: HEAD)");
  app->add_option("--mode", flags->mode, "cause: first crashing commit; fix: first fixed commit")
      ->check(CLI::IsMember({"cause", "fix"}));
  app->add_option("--strategy", options.strategy,
                  "bayes (default): a posterior over every candidate, updated by every run, tests "
                  "picked by information per cost, stops at --confidence; classic: git bisect "
                  "with syzbot's verdict rule")
      ->check(CLI::IsMember({"bayes", "classic"}));
  app->add_option("--confidence", options.confidence,
                  "bayes: stop when the leading candidate has this probability (default 0.99)")
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
                  "batches as are worth their cost; with fewer --jobs or VMs, a batch is sized in "
                  "whole rounds of them by what its runs are worth); classic: runs per commit (>= "
                  "10: syzbot's "
                  "verdict rule; fewer: any crash is bad, like git bisect run). Default 10")
      ->check(kAtLeastOne);
  app->add_option("--jobs", flags->command.jobs, "Runs at once")->check(kAtLeastOne);
  app->add_option("--build", flags->command.build_command,
                  "Shell command that builds the checkout (non-zero exit: skip the commit)");
  app->add_option("--artifact", options.artifact,
                  "Build output whose signature is recorded (path relative to the checkout)");
  app->add_option("--test", flags->command.test_command,
                  "Shell command run once per run in the checkout: 0 no crash, 125 cannot test, "
                  "anything else crashed");
  app->add_option("--build-timeout", flags->command.build_timeout_s,
                  "Seconds before a build is killed")
      ->check(kAtLeastOne);
  app->add_option("--test-timeout", flags->command.test_timeout_s,
                  "Seconds before a run is killed (a hang)")
      ->check(kAtLeastOne);
  app->add_option("--state", options.state_path,
                  "SQLite state file: every build and run; running again resumes (default: "
                  "culprit.db)");
  app->add_option("--log", flags->log_path, "Also append the log to this file");
  app->add_option("--json", options.json_path, "Write the result as JSON to this file");
  app->add_option("--events", flags->events_path,
                  "Append the job's events to this file as JSON lines, as they happen (what "
                  "`culprit serve` draws its pages from)");
  app->add_option("--reported-by", options.reported_by,
                  "Who reported the bug, \"Name <address>\" (repeatable): a Reported-by: tag in "
                  "`culprit show --mail`; not part of the job's identity");
  app->add_option("--closes", options.closes,
                  "Where the bug was reported, a URL (repeatable): a Closes: tag in `culprit show "
                  "--mail`; not part of the job's identity");
  flags->app = app;
  add_kernel_options(*app, flags->kernel);
  return app;
}

}  // namespace

Subcommand add_bisect_command(CLI::App& parent) {
  auto flags = std::make_shared<BisectFlags>();
  CLI::App* app = add_bisect_options(parent, flags);
  return {app, [flags] { return run_bisect_command(*flags); }};
}

Subcommand add_minimize_config_command(CLI::App& parent) {
  auto flags = std::make_shared<BisectFlags>();
  flags->minimize_only = true;
  CLI::App* app = add_bisect_options(parent, flags);
  return {app, [flags] { return run_bisect_command(*flags); }};
}

Status check_bisect_job_file(const std::string& path, const std::string& base_dir) {
  CLI::App parent;
  auto flags = std::make_shared<BisectFlags>();
  add_bisect_options(parent, flags);
  // CLI11 takes a vector of arguments last first.
  std::vector<std::string> args = {path, "--job", base_dir, "--job-base", "bisect"};
  try {
    parent.parse(args);
  } catch (const CLI::Error& error) {
    return make_error(fmt::format("job file {}: {}", path, error.what()));
  }
  return complete_flags(*flags);
}

}  // namespace culprit::cli
