// ConfigMinimizer: which of a config's options a bug needs, by delta debugging (halving groups).
//
// The search starts from the diff (kconfig/config_set.h: the options on in the bug's config and
// off in the base, minus the kept ones) and proposes candidates: the full config with some of
// them dropped. First it drops them all, since a reproducer usually needs none of a big config's
// drivers; when the bug goes with them, it splits what is left into 2 groups and tries dropping
// each, then 4, 8 ... down to single options. A group whose candidate still reproduces the bug
// is dropped for good and the split restarts, one group coarser. It stops when single options
// cannot be dropped any more, when nothing is left, or when the build budget is spent (what it
// has dropped by then stands; the rest is kept, which is always safe).
//
// The caller tests each candidate and says what came of it: the bug reproduced (the group goes),
// or not -- the bug did not show, the candidate did not build, or `make olddefconfig` turned it
// into a config already tested or one that lost a kept option. With the options the resolved
// config still had on, so that an option olddefconfig dropped with its dependency is gone too.
// Pure: no I/O; the job (job/config_minimization.cc) builds and runs.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace culprit::kconfig {

struct MinimizeCandidate {
  std::set<std::string> drop;   // every option the candidate turns off (earlier drops included)
  std::set<std::string> group;  // the ones this candidate tries to drop
};

struct CandidateOutcome {
  bool reproduced = false;  // the bug showed with the candidate's config
  bool built = true;        // a build was spent on it (counts against the budget)
  // Options of the diff the resolved config still had on (used when it reproduced).
  std::set<std::string> still_on;
};

class ConfigMinimizer {
 public:
  // `diff`: the options the search may drop; `build_budget`: candidates built at most (0: none).
  ConfigMinimizer(std::vector<std::string> diff, std::size_t build_budget);

  // The next candidate to test; nothing when the search is over (see stop_reason()).
  std::optional<MinimizeCandidate> next() const;
  // What testing next()'s candidate gave.
  void record(const CandidateOutcome& outcome);

  // Options of the diff the minimized config keeps / dropped, sorted by name.
  std::vector<std::string> kept() const { return current_; }
  std::vector<std::string> dropped() const;
  std::size_t diff_size() const { return diff_.size(); }
  std::size_t builds() const { return builds_; }
  std::size_t candidates() const { return candidates_; }
  // Why the search stopped: "nothing left to drop", "every single option is needed", "build
  // budget spent (N builds)"; empty while it goes on.
  std::string stop_reason() const;

 private:
  // The groups of current_ at this granularity: chunks_ of nearly equal size, in name order.
  std::set<std::string> group(std::size_t index) const;

  std::vector<std::string> diff_;
  std::vector<std::string> current_;  // options still on
  std::size_t build_budget_;
  std::size_t chunks_ = 1;  // 1: try dropping all of them at once
  std::size_t next_group_ = 0;
  std::size_t builds_ = 0;
  std::size_t candidates_ = 0;
  bool exhausted_ = false;  // every group at single-option granularity was tried
};

}  // namespace culprit::kconfig
