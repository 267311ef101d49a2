// JobContext: the state one bisection job carries from phase to phase -- its inputs (options,
// repository, backend), its memory (the store), what it has learned (tested commits, the bug's
// titles, the range) and its running totals. Every phase (job/phases.h) is a function of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/builder.h"
#include "job/bisect_job.h"
#include "job/build_slots.h"
#include "job/events.h"
#include "runner/runner.h"
#include "search/bug_evidence.h"
#include "search/strategy.h"
#include "store/store.h"
#include "vcs/commit_graph.h"
#include "vcs/repository.h"

namespace culprit::job {

using Clock = std::chrono::steady_clock;

// One batch of a commit's test: its build and runs, and the verdict they gave.
struct TestedCommit {
  std::string commit;
  std::string tree;
  Phase phase = Phase::start;
  bool built = false;
  std::string signature;
  std::vector<store::RunRecord> runs;     // this batch's runs (without consoles)
  int first_run = 0;                      // index of this batch's first run
  std::vector<search::RunSummary> batch;  // this batch's runs, for the strategy
  std::vector<search::RunSummary> all;    // every run of the tree so far, this batch included
  search::TestCost cost;
  search::VerdictDecision decision;
  std::vector<std::string> artifacts;  // files the runs kept (consoles), for the JSON result
  Verdict verdict() const { return decision.verdict; }
};

// What the job has spent, for the closing line and the JSON.
struct JobTotals {
  double build_s = 0;
  double test_s = 0;
  std::size_t runs = 0;
  std::size_t revisions_tested = 0;  // commits that got as far as running
  std::set<std::string> builds;      // trees built or found built
};

// Where the range search is, for the status line and the events.
struct SearchProgress {
  std::size_t step = 0;
  std::size_t steps_total = 0;
  std::size_t candidates_left = 0;
};

struct JobContext {
  JobContext(const BisectOptions& options, builder::Builder& builder, runner::Runner& runner,
             EventBus& events, vcs::Repository repo, store::Store store, store::JobRecord job,
             std::string job_dir, std::string repo_path, vcs::Worktree worktree,
             std::unique_ptr<search::SearchStrategy> strategy);

  const BisectOptions& options;
  builder::Builder& builder;
  runner::Runner& runner;
  EventBus& events;
  vcs::Repository repo;
  store::Store store;
  store::JobRecord job;
  std::string job_dir;
  std::string repo_path;
  std::unique_ptr<search::SearchStrategy> strategy;
  BuildSlots slots;
  Clock::time_point start_time = Clock::now();

  bool resumed = false;                   // found in the store: replayed from its records
  std::vector<std::string> recorded_log;  // resumed: the lines earlier sessions logged
  std::string start;                      // the commit the bisection started from (it crashed)
  std::optional<vcs::CommitGraph> graph;  // the range, once known
  std::vector<std::string> range_goods;   // its old ends
  std::vector<TestedCommit> tested;       // every batch, in order
  std::optional<search::BugTitles> bug_titles;               // learned from the start commit's runs
  std::map<std::string, search::BugPresence> checked_bases;  // fix mode: merge bases measured
  std::map<std::string, std::vector<std::string>> build_artifacts;  // tree -> files kept
  std::map<std::string, int> runs_used;  // tree -> runs handed to the strategy (revisits)
  // Builds finished by build_in_parallel whose time no batch has been charged with yet.
  std::map<std::string, double> unbilled_build_s;
  std::set<std::string> billed_builds;  // trees whose build time is in `totals`
  // The .config builds use when it is not the backend's -- config minimization's candidates, then
  // its result for the rest of the job -- and the suffix that keys their builds and runs apart
  // from the backend config's (tree_key): a resumed job finds each (commit, config) pair's records
  // again, and the bug's titles stay those of the start commit with the bug's own config.
  struct ConfigOverride {
    std::string path;
    std::string key_suffix;  // "+config-<digest of the resolved .config>"
  };
  std::optional<ConfigOverride> config;
  JobTotals totals;
  SearchProgress progress;
  std::int64_t step_seq = 0;

  bool cause() const { return options.mode == BisectMode::cause; }
  // What the store keys a commit's build and runs by: its git tree, plus the config's suffix when
  // the job builds with another config than the backend's.
  std::string tree_key(const std::string& tree) const {
    return config ? tree + config->key_suffix : tree;
  }
  bool cancel_requested() const { return options.cancel && options.cancel->requested(); }
  // A strategy point as a commit: a node of the range or one of its old ends.
  std::string point_commit(search::Point point) const;
  // The posterior's `count` leaders as commits.
  std::vector<RankedCommit> leaders(std::size_t count) const;
};

std::string short_hash(const std::string& hash);
double seconds_since(Clock::time_point start);

}  // namespace culprit::job
