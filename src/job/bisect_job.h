// BisectJob: the driver. It owns the loop that every bisection runs, whatever the backend:
//
//   search picks a commit -> checkout -> build -> runs -> verdict -> store -> search
//
// and it is the only module that knows all the others (vcs, search, build, run, store). Phases,
// as syzbot's bisect.Run (reference §1): test the start commit (it must crash); in cause mode
// without --good, walk back release tags until one is good; bisect the commit DAG; check a single
// culprit (more runs on it and its parents, and in cause mode its revert on top of the start
// commit; flags verify-failed, revert-still-crashes, revert-not-applied); report.
// Fix mode bisects for the first commit that no longer crashes; a commit whose history never had
// the bug (its merge bases with the start commit lack it) is not taken for a fix.
//
// Every build and run is written to the store as soon as it ends. Running the same job again (same
// repository, revisions, commands and run count) replays the search from the store: a commit whose
// runs are all recorded is neither rebuilt nor re-run.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "builder/builder.h"
#include "job/cancel_token.h"
#include "job/events.h"
#include "job/job_log.h"
#include "runner/runner.h"
#include "search/strategy.h"

namespace culprit::job {

enum class BisectMode { cause, fix };

struct BisectOptions {
  std::string repo = ".";
  std::string bad;                // cause: the crashing commit; fix: the crashing (older) commit
  std::vector<std::string> good;  // cause: known good commits; fix: a fixed (newer) commit
  BisectMode mode = BisectMode::cause;
  std::string strategy = "bayes";  // "bayes" or "classic" (search/strategy.h)
  // classic: runs per commit; bayes: runs per batch (a commit may get several batches).
  int runs = 10;
  double confidence = 0.99;     // bayes: stop when the leading candidate is this likely
  search::SearchBudget budget;  // bayes: stop with the best guess when spent (0: no limit)
  int parallel = 1;             // bayes: commits built and tested at once
  // Build folders kept ready for more runs (0: parallel + 2). Each holds a checkout and a build:
  // the kernel backend keeps just `parallel` of them (a kernel tree and build are gigabytes).
  int build_slots = 0;
  // Runs the runner starts at once (--jobs, the VMs): bayes sizes its batches in whole rounds of
  // them, by what more runs are worth (search::StrategyOptions::run_slots); 0: whole batches.
  int run_slots = 0;
  std::string state_path = "culprit.db";
  std::string json_path;
  // What identifies the backend's build and test, for the job key (commands, artifact...).
  std::string backend_key;
  std::string artifact;  // the build's artifact, relative to the checkout (command backend)
  // The architecture the builds target ("x86_64" for the kernel backend), for the
  // `other-arch-only` doubt flag; empty: unknown (the command backend), no such flag.
  std::string arch;
  // --no-verify: report the culprit without the second look (more runs of it and its parents,
  // the revert check).
  bool no_verify = false;
  // Who reported the bug and where (a tracker URL, a mail archive link): the Reported-by: and
  // Closes: tags of the mail `culprit show --mail` writes. Kept in the job's parameters but not
  // in its key: naming them later does not make another job.
  std::vector<std::string> reported_by;
  std::vector<std::string> closes;
  // Kernel backend: before the search, minimize the config on the start commit (reference §2.2;
  // job/config_minimization.cc) and build every later commit with the result.
  struct ConfigMinimization {
    bool enabled = false;
    bool only = false;  // `culprit minimize-config`: stop once the config is minimized
    std::string full;   // the bug's config (the backend's --config)
    std::string base;   // the base the diff is taken against; "": tinyconfig + the VM's needs
    std::size_t build_budget = 16;  // candidates built at most
    std::string output;  // where the minimized config goes; "": <state>.d/minimized.config
  };
  ConfigMinimization minimize;
  // Set from elsewhere (a signal, a service's cancel request) to stop between runs; may be null.
  std::shared_ptr<const CancelToken> cancel;
};

// What the job found. `kind` maps to the exit status: found 0, inconclusive/horizon 3, error 1,
// cancelled 4 (stopped on request; running the job again resumes it).
struct BisectResult {
  enum class Kind { found, inconclusive, horizon, error, cancelled };
  Kind kind = Kind::error;
  std::optional<std::string> culprit;
  std::vector<std::string> candidates;
  std::vector<std::string> flags;  // doubts: merge, release, noop, low-confidence, docs-only...
  std::vector<std::string> recipients_to;  // whom to tell about a single culprit
  std::vector<std::string> recipients_cc;
  std::string error;
  nlohmann::json json;  // the --json document
};

// "--budget" text: comma-separated limits, any of builds=N, runs=N, time=DURATION (seconds, or
// with a unit: 90s, 45m, 6h). Error names the bad part.
Result<search::SearchBudget> parse_budget(const std::string& text);

std::string_view to_string(BisectResult::Kind kind);
int exit_status(BisectResult::Kind kind);

// Runs a whole bisection. Returns an Error for bad input found before anything was recorded (not a
// repository, unknown revision, a state file of another job); later failures come back as a
// BisectResult of kind error, with everything recorded so far kept in the store.
Result<BisectResult> run_bisect(const BisectOptions& options, builder::Builder& builder,
                                runner::Runner& runner, JobLog& log);
// The same, telling `events`' subscribers (the caller's) what happens instead of a JobLog.
Result<BisectResult> run_bisect(const BisectOptions& options, builder::Builder& builder,
                                runner::Runner& runner, EventBus& events);

}  // namespace culprit::job
