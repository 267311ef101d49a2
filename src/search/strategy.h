// SearchStrategy: how a bisection decides what to test next and when it is done. The driver
// (job/bisect_job) asks the strategy for the next step -- test these commits with this many runs,
// or stop with an answer -- and hands it every run of every commit it tests: the start commit, the
// release walk, the fixed head, the range's commits, and build failures.
//
// Two strategies exist, selected by `--strategy`:
//   classic  git bisect's stepping (search::Bisector) with syzbot's verdict rule
//            (search::VerdictPolicy "classic"): one verdict per commit, never revisited
//            (search/classic_strategy.h).
//   bayes    a posterior over "commit c is the culprit" for every candidate plus "the culprit is
//            older than the range", updated by every run; the next tests are the ones with the most
//            expected information per unit of cost (search/bayes_strategy.h).
//
// Vocabulary is git's, as in search::Bisector: the range is a CommitGraph whose nodes are the
// candidates (ancestors of `bad`, not of any good), "new" is the state of `bad` (cause mode: the
// bug is there; fix mode: it is fixed) and "old" the state of the goods. A *point* names something
// the strategy can ask to test: a node of the graph (0 .. size-1) or one of the range's old ends,
// the goods (size .. size+old_ends-1).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/bisector.h"
#include "search/verdict_policy.h"
#include "vcs/commit_graph.h"

namespace culprit::search {

using Point = std::uint32_t;

// Test `point` with `runs` more runs (a commit tested before keeps its earlier runs).
struct TestOrder {
  Point point = 0;
  int runs = 0;
};

struct SearchStep {
  enum class Kind {
    test,          // run `tests` (up to --parallel commits at once), then ask again
    found,         // `point` is the culprit (cause: first bad commit; fix: first good commit)
    inconclusive,  // stopped without a single answer: the culprit is one of `candidates`
    outside,       // the evidence says the change is older than the range (a good end is new)
  };
  Kind kind = Kind::test;
  std::vector<TestOrder> tests;
  Point point = 0;
  std::vector<Point> candidates;
  std::string reason;  // inconclusive / outside: one line for the log ("budget spent: ...")
  // classic only, what git prints as "Bisecting: N revisions left to test after this (roughly K
  // steps)"; `log_git_lines` says whether this and "# git bisect ..." lines apply.
  bool log_git_lines = false;
  std::size_t revisions_left = 0;
  int steps_left = 0;
  std::size_t candidates_left = 0;  // for the status line
};

// What a batch of runs did to the search, for the log and the JSON step.
struct Recorded {
  VerdictDecision decision;  // decision.verdict in crash terms: bad = crashes
  Mark mark = Mark::skip;    // in git terms, as "# git bisect MARK commit" prints it
};

// Wall-clock cost of a test, so that a strategy can weigh a new build against more runs.
struct TestCost {
  double build_s = 0;  // 0 when the build was already there
  double runs_s = 0;   // the batch of runs, start to end
};

// Ranked::point of the hypothesis "the change is older than the range".
inline constexpr Point kOlderThanRange = static_cast<Point>(-1);

// The good end, cause mode without --good (job/release_walk). The driver offers commits further
// and further back from the start commit, newest first, each an ancestor of the one before: the
// release tags the start commit reaches, or with none its first-parent ancestors at doubling
// distances. A strategy that chooses_good_end() picks which to test and when one is good enough.
struct EndCandidate {
  std::string name;     // a release tag, or "<start>~N" for a galloping point
  double distance = 0;  // commits between it and the start commit
};

struct EndStep {
  enum class Kind {
    test,     // test end `index` with `runs` more runs, then ask again
    good,     // end `index` is the range's old end
    horizon,  // the bug is older than every end
    none,     // no end can be told good (they do not build, or the budget is spent): `reason`
  };
  Kind kind = Kind::none;
  std::size_t index = 0;
  int runs = 0;
  // good: the oldest end known to have the bug, the range's new end (the start commit if none).
  std::optional<std::size_t> new_end;
  // test: P(the end has the bug); good: P(it has not); horizon: P(older than every end).
  double probability = 0;
  std::string reason;
};

struct Ranked {
  Point point = 0;  // a graph node, or kOlderThanRange
  double probability = 0;
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  virtual std::string name() const = 0;

  // Before the range is known. Each gets every run of that commit so far; a decision with
  // `more_runs` > 0 asks the driver for that many more runs of the same commit, then the call is
  // repeated with all of them.
  //   start:   the commit the bisection starts from (it must crash); learns the bug's titles.
  //   head:    fix mode's fixed commit (the range's new end).
  virtual VerdictDecision judge_start(std::span<const RunSummary> runs, const TestCost& cost) = 0;
  //   release: the release walk of a strategy that does not choose the good end itself (syzbot's
  //            thinned list, newest first); a good release becomes the range's old end.
  virtual VerdictDecision judge_release(std::span<const RunSummary> runs, const TestCost& cost) = 0;
  virtual VerdictDecision judge_head(std::span<const RunSummary> runs, const TestCost& cost) = 0;

  // The good end chosen by the evidence (bayes) instead of syzbot's release walk (classic).
  virtual bool chooses_good_end() const = 0;
  // The ends on offer, newest first; then next_end() until it says good, horizon or none, with
  // every batch of an end it asked for given to record_end (or record_end_build_failure).
  virtual void begin_ends(std::span<const EndCandidate> ends) = 0;
  virtual EndStep next_end() = 0;
  virtual Recorded record_end(std::size_t end, std::span<const RunSummary> runs,
                              const TestCost& cost) = 0;
  virtual Recorded record_end_build_failure(std::size_t end, const TestCost& cost) = 0;

  // The range: candidates are the nodes of `graph` (all ancestors of `bad`), `old_ends` goods
  // bound it (points graph.size() .. graph.size() + old_ends - 1). `graph` must outlive the
  // strategy.
  virtual void begin(const vcs::CommitGraph& graph, Index bad, std::size_t old_ends) = 0;
  virtual SearchStep next() = 0;
  // A batch of new runs of a point the last next() asked for.
  virtual Recorded record(Point point, std::span<const RunSummary> runs, const TestCost& cost) = 0;
  // The point could not be built: it is never asked for again.
  virtual Recorded record_build_failure(Point point, const TestCost& cost) = 0;

  // Reporting.
  virtual double confidence() const = 0;  // how sure the answer (or the leading candidate) is
  virtual std::vector<Ranked> top(std::size_t count) const = 0;  // most likely culprits first
  virtual bool flaky() const = 0;
  virtual double repro_chance() const = 0;  // estimated chance that a run with the bug crashes
  // Whether confidence lines belong in the log (classic: only with syzbot's statistical rule).
  virtual bool reports_confidence() const = 0;

  // What the driver keeps for the strategy.
  // revisits: whether a commit may get more batches after its first, each with new run indices
  // (bayes); classic gives every commit one batch, shared by commits with the same tree.
  virtual bool revisits() const = 0;
  // How many build folders the driver keeps, and the points whose builds the strategy counts as
  // still there (testing them again costs no build), most recent first: the driver never evicts
  // those while it has room.
  virtual std::size_t kept_build_limit() const = 0;
  virtual std::vector<Point> kept_builds() const = 0;
};

// What `bayes` may spend before it stops with its best guess; 0 = no limit.
struct SearchBudget {
  std::size_t builds = 0;
  std::size_t runs = 0;
  double seconds = 0;
};

struct StrategyOptions {
  bool fix_mode = false;
  int runs = 10;  // classic: runs per commit; bayes: runs per batch (one action)
  // bayes: stop when the leading hypothesis reaches this. 0.99: the posterior is calibrated, so
  // this is how often the answer is right (docs/noisy-search.md, "Calibration").
  double confidence = 0.99;
  SearchBudget budget;
  int parallel = 1;  // bayes: commits tested at once
  // bayes: how many runs go at once (the runner's --jobs, or the VMs); a batch of n runs takes
  // ceil(n / run_slots) rounds, so with fewer slots than --runs a smaller batch costs less and the
  // strategy chooses its size by the value of its runs. 0: a whole batch runs at once.
  int run_slots = 0;
  // bayes: how many built commits the driver keeps ready for more runs (the most recently tested
  // ones); testing any other commit costs a build.
  int kept_builds = 3;
};

// "classic" or "bayes"; an error names an unknown strategy.
Result<std::unique_ptr<SearchStrategy>> make_search_strategy(const std::string& name,
                                                             const StrategyOptions& options);

}  // namespace culprit::search
