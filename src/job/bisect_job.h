// BisectJob: the driver. It owns the loop that every bisection runs, whatever the backend:
//
//   search picks a commit -> checkout -> build -> runs -> verdict -> store -> search
//
// and it is the only module that knows all the others (vcs, search, build, run, store). Phases,
// as syzbot's bisect.Run (reference §1): test the start commit (it must crash); in cause mode
// without --good, walk back release tags until one is good; bisect the commit DAG; report.
// Fix mode bisects for the first commit that no longer crashes.
//
// Every build and run is written to the store as soon as it ends. Running the same job again (same
// repository, revisions, commands and run count) replays the search from the store: a commit whose
// runs are all recorded is neither rebuilt nor re-run.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "build/builder.h"
#include "job/job_log.h"
#include "run/runner.h"

namespace culprit::job {

enum class BisectMode { cause, fix };

struct BisectOptions {
  std::string repo = ".";
  std::string bad;                // cause: the crashing commit; fix: the crashing (older) commit
  std::vector<std::string> good;  // cause: known good commits; fix: a fixed (newer) commit
  BisectMode mode = BisectMode::cause;
  std::string strategy = "classic";
  int runs = 10;
  std::string state_path = "culprit.db";
  std::string json_path;
  // What identifies the backend's build and test, for the job key (commands, artifact...).
  std::string backend_key;
  std::string artifact;  // the build's artifact, relative to the checkout (command backend)
};

// What the job found. `kind` maps to the exit status: found 0, inconclusive/horizon 3, error 1.
struct BisectResult {
  enum class Kind { found, inconclusive, horizon, error };
  Kind kind = Kind::error;
  std::optional<std::string> culprit;
  std::vector<std::string> candidates;
  std::vector<std::string> flags;
  std::string error;
  nlohmann::json json;  // the --json document
};

std::string_view to_string(BisectResult::Kind kind);
int exit_status(BisectResult::Kind kind);

// Runs a whole bisection. Returns an Error for bad input found before anything was recorded (not a
// repository, unknown revision, a state file of another job); later failures come back as a
// BisectResult of kind error, with everything recorded so far kept in the store.
Result<BisectResult> run_bisect(const BisectOptions& options, build::Builder& builder,
                                run::Runner& runner, JobLog& log);

}  // namespace culprit::job
