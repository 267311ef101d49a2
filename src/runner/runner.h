// Runner: runs the reproducer on one built commit, several times, and reports each run as it ends.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/run_outcome.h"

namespace culprit::runner {

struct RunRequest {
  std::string checkout_dir;
  std::string commit;
  std::string artifact;  // absolute path, may be empty
  std::string job_dir;   // the job's folder beside the store, for consoles and other artifacts
  // Asked before each run starts: true stops the batch there (runs in flight finish and are
  // reported; the rest are not run). Empty: never stop. A job being cancelled uses it.
  std::function<bool()> stop_requested;
};

// One run of the reproducer: how it ended and what it printed.
struct ReproRun {
  int index = 0;  // 0-based run number (CULPRIT_RUN)
  RunOutcome outcome = RunOutcome::ok;
  std::string title;     // crashed: "crashed (exit status 3)", "killed by signal SEGV", hang title
  int exit_status = -1;  // -1 when it did not exit normally
  int signal = 0;
  bool timed_out = false;
  double duration_s = 0;
  std::string console;                 // combined stdout+stderr, the last bytes when it flooded
  std::size_t console_dropped = 0;     // bytes dropped from the front
  std::string error;                   // infra errors: one line
  std::vector<std::string> artifacts;  // files kept under the job folder (the console log)
};

class Runner {
 public:
  virtual ~Runner() = default;
  // Runs the runs numbered `indices`, at most the runner's parallelism at once. `on_done` is called
  // once per run as it ends, never concurrently (the caller may write to a store from it).
  virtual void run(const RunRequest& request, std::span<const int> indices,
                   const std::function<void(const ReproRun&)>& on_done) = 0;
};

}  // namespace culprit::runner
