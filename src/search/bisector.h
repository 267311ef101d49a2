// Bisector: git bisect's stepping over a CommitGraph, as a pure state machine.
//
// Vocabulary is git's: "bad" is the newer state (the one with the bug in cause mode; in fix mode
// the caller passes "fixed" as bad), "good" the older one. Candidates are the ancestors of the
// current bad commit (itself included) minus the ancestors of every good commit. The next commit
// to test is the candidate whose number of ancestors among the candidates (itself included) is
// closest to half of them -- git's best_bisection rule -- skipping commits marked skip; when only
// skipped commits are left the result is inconclusive with the remaining candidates.
//
// The graph passed in is usually already "reachable from BAD, not from GOOD" (vcs::Repository::
// graph), so every node starts as a candidate; marks then narrow it.
//
// How weights are computed (the weight of a candidate is its number of ancestors among the
// candidates, itself included). Exact weights for every candidate is a transitive-closure problem;
// git does one DFS per merge commit, O(merges x N), which is hours on a million-commit history.
// next() therefore works in layers, all exact except the last:
//   1. A commit with one candidate parent weighs its parent's weight + 1; a root weighs 1.
//   2. Along the "spine" (the first-candidate-parent chain of bad, the mainline in a Linux-like
//      history) the ancestor set only grows, so one bitmap updated incrementally gives every
//      spine commit's exact weight in O(N + edges) in total, merges included.
//   3. Merges off the spine get git's per-merge DFS when (off-spine merges x N) stays within
//      BisectorOptions::exact_work_budget -- always for test-sized graphs, so the choice there is
//      the exact optimum. Above the budget they only get bounds: max(parent) + 1 <= w <=
//      sum(parents) + 1, and the commits whose lower bound is nearest N/2 (and whose bounds could
//      still beat the best exact choice) get an exact DFS, as many as the budget allows.
// The chosen commit's weight is always exact, so "revisions left" is exact. The choice is the
// optimum unless the refinement stopped early: on its budget, or because a commit is already
// within git's own "halfway" tolerance (|2w - N| < N/1024, or at most 1) -- commits whose bounds
// cannot beat the best exact one are skipped without loss. On generated Linux-like histories of
// 50k-1M commits it is within 0.1% of the optimum and takes 5-150 ms (bench/bisect_step_bench).
//
// Ties between equally good commits go, as in git's walk without skips, to the older committer
// time and then the lower index; once something is skipped git sorts by distance then object id,
// and so do we.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::search {

using vcs::CommitGraph;
using Index = CommitGraph::Index;

enum class Mark { good, bad, skip };

struct BisectStep {
  enum class Kind {
    test,          // test `commit` next
    found,         // `commit` is the first bad commit
    only_skipped,  // inconclusive: the first bad commit is one of `candidates`
  };
  Kind kind = Kind::test;
  Index commit = 0;
  std::vector<Index> candidates;  // for only_skipped: every remaining candidate, bad included
  // What git prints as "Bisecting: N revisions left to test after this (roughly K steps)".
  std::size_t revisions_left = 0;
  int steps_left = 0;
};

struct BisectorOptions {
  // Above (merges off the spine) x (candidates), off-spine merges are not all weighed exactly (see
  // above). A DFS visit costs ~5-10 ns, so this keeps the worst case near half a second.
  std::uint64_t exact_work_budget = 60'000'000;
  // How many inexactly weighed commits get an exact DFS per next() at least; more while the DFS
  // work stays within exact_work_budget.
  int refinement_limit = 48;
};

class Bisector {
 public:
  // Candidates: ancestors of `bad` (itself included) within `graph`. The graph must outlive this.
  Bisector(const CommitGraph& graph, Index bad, BisectorOptions options = {});

  void mark(Index commit, Mark mark);
  BisectStep next() const;

  Index bad() const { return bad_; }
  std::size_t candidate_count() const { return candidate_count_; }
  bool is_candidate(Index commit) const { return candidate_[commit]; }
  std::vector<Index> candidates() const;
  // Exact number of candidates that are ancestors of `commit` (itself included), by one DFS.
  std::size_t weight(Index commit) const;

 private:
  const CommitGraph* graph_;
  Index bad_;
  BisectorOptions options_;
  bool any_skipped_ = false;
  std::vector<bool> candidate_;
  std::vector<bool> skipped_;
  std::size_t candidate_count_ = 0;
};

// git's estimate_bisect_steps(): the "roughly K steps" for `all` candidates.
int estimate_bisect_steps(std::size_t all);

}  // namespace culprit::search
