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
#pragma once

#include <cstddef>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::search {

using vcs::CommitGraph;
using Index = CommitGraph::Index;

enum class Mark { good, bad, skip };

struct BisectStep {
  enum class Kind {
    test,           // test `commit` next
    found,          // `commit` is the first bad commit
    only_skipped,   // inconclusive: the first bad commit is one of `candidates`
  };
  Kind kind = Kind::test;
  Index commit = 0;
  std::vector<Index> candidates;  // for only_skipped: every remaining candidate, bad included
  // What git prints as "Bisecting: N revisions left to test after this (roughly K steps)".
  std::size_t revisions_left = 0;
  int steps_left = 0;
};

class Bisector {
 public:
  // Candidates: ancestors of `bad` (itself included) within `graph`. The graph must outlive this.
  Bisector(const CommitGraph& graph, Index bad);

  void mark(Index commit, Mark mark);
  BisectStep next() const;

  Index bad() const { return bad_; }
  std::size_t candidate_count() const { return candidate_count_; }
  bool is_candidate(Index commit) const { return candidate_[commit]; }
  std::vector<Index> candidates() const;

 private:
  const CommitGraph* graph_;
  Index bad_;
  std::vector<bool> candidate_;
  std::vector<bool> skipped_;
  std::size_t candidate_count_ = 0;
};

// git's estimate_bisect_steps(): the "roughly K steps" for `all` candidates.
int estimate_bisect_steps(std::size_t all);

}  // namespace culprit::search
