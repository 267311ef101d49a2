#include "runner/command_runner.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/process.h"

namespace culprit::runner {
namespace {

// git bisect run's "this commit cannot be tested".
constexpr int kCannotTestStatus = 125;
// The shell's "command not found".
constexpr int kNotFoundStatus = 127;

// One run of the test command, classified.
ReproRun run_once(const CommandRunConfig& config, const RunRequest& request, int index) {
  ReproRun run;
  run.index = index;

  ProcessSpec spec;
  spec.argv = shell_argv(config.command);
  spec.working_dir = request.checkout_dir;
  spec.env = {
      {"CULPRIT_COMMIT", request.commit},
      {"CULPRIT_CHECKOUT", request.checkout_dir},
      {"CULPRIT_RUN", std::to_string(index)},
      {"CULPRIT_ARTIFACT", request.artifact},
  };
  spec.timeout = config.timeout;
  spec.output_limit = config.console_limit;
  Result<ProcessResult> process = run_process(spec);
  if (!process.ok()) {
    run.outcome = RunOutcome::infra_error;
    run.error = process.error().message;
    return run;
  }
  run.duration_s = process->duration.count();
  run.console = std::move(process->output);
  run.console_dropped = process->output_dropped;

  switch (process->end) {
    case ProcessResult::End::timed_out:
      run.outcome = RunOutcome::crashed;
      run.timed_out = true;
      run.signal = process->signal;
      run.title = "hang: test did not finish in " + std::to_string(config.timeout.count()) + "s";
      break;
    case ProcessResult::End::signaled:
      run.outcome = RunOutcome::crashed;
      run.signal = process->signal;
      run.title = "killed by signal " + signal_name(process->signal);
      break;
    case ProcessResult::End::exited:
      run.exit_status = process->exit_status;
      if (process->exit_status == 0) {
        run.outcome = RunOutcome::ok;
      } else if (process->exit_status == kCannotTestStatus) {
        run.outcome = RunOutcome::cannot_test;
      } else if (process->exit_status == kNotFoundStatus &&
                 run.console.find("not found") != std::string::npos) {
        run.outcome = RunOutcome::infra_error;
        run.error = "test command not found: " + config.command;
      } else if (process->exit_status > 128 && process->exit_status < 128 + 65) {
        // The shell running the test reports a command killed by signal N as status 128+N.
        run.outcome = RunOutcome::crashed;
        run.signal = process->exit_status - 128;
        run.title = "killed by signal " + signal_name(run.signal);
      } else {
        run.outcome = RunOutcome::crashed;
        run.title = "crashed (exit status " + std::to_string(process->exit_status) + ")";
      }
      break;
  }
  return run;
}

}  // namespace

CommandRunner::CommandRunner(CommandRunConfig config) : config_(std::move(config)) {}

void CommandRunner::run(const RunRequest& request, std::span<const int> indices,
                        const std::function<void(const ReproRun&)>& on_done) {
  std::atomic<std::size_t> next{0};
  std::mutex report_mutex;
  auto work = [&] {
    for (std::size_t i = next++; i < indices.size(); i = next++) {
      if (request.stop_requested && request.stop_requested()) return;
      ReproRun run = run_once(config_, request, indices[i]);
      std::lock_guard lock(report_mutex);
      on_done(run);
    }
  };

  const std::size_t workers =
      std::min<std::size_t>(static_cast<std::size_t>(std::max(config_.jobs, 1)), indices.size());
  if (workers <= 1) {
    work();
    return;
  }
  std::vector<std::jthread> threads;
  threads.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(work);
}

}  // namespace culprit::runner
