// Synthetic but real git histories for the tests: a description of a commit DAG (mainline,
// topic branches forked from older mainline commits and merged back, octopus merges), written into
// a real repository with `git fast-import`. Every commit adds its own file, so every tree differs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace culprit::testing {

struct HistoryCommit {
  std::vector<int> parents;  // indices of earlier commits
  std::string message;
  bool broken = false;  // the tree holds a file "broken" (tests' build commands fail on it)
  std::string tag;      // lightweight tag on this commit, if any
};

struct History {
  std::vector<HistoryCommit> commits;  // topological order: parents before children
  int tip = 0;                         // the newest mainline commit
};

// A Linux-like DAG of about `size` commits: a mainline, topic branches of 1..6 commits forked from
// mainline commits up to `max_fork_age` back, merged with --no-ff merges, a few octopus merges.
History make_merge_history(int size, std::uint32_t seed, int max_fork_age = 40);
// A straight line of `size` commits.
History make_linear_history(int size);

// Writes `history` into a new repository at `dir` (branch main at the tip). Returns the commit
// hashes, index for index.
std::vector<std::string> write_history(const History& history, const std::string& dir);

}  // namespace culprit::testing
