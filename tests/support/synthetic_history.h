// Synthetic commit histories for tests and benchmarks: Linux-like DAGs generated from a seed.
//
// The shape follows how a kernel tree grows: a mainline (the first-parent chain of the last
// commit) gets direct commits and merges of topic branches; each topic branch forks from a recent
// mainline commit, gets a few commits, sometimes absorbs another topic (a merge off the mainline),
// and is merged back, sometimes together with others in one octopus merge. The last commit
// reaches every other one, so Bisector(graph, size - 1) sees the whole history.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vcs/commit_graph.h"

namespace culprit::testing {

struct SyntheticHistoryOptions {
  std::size_t commits = 1000;
  std::uint64_t seed = 1;
  // Share of the steps that commit to a topic branch rather than to the mainline. 0 gives a
  // linear chain.
  double topic_share = 0.6;
  // Topic branches fork from one of the last `max_fork_age` mainline commits.
  std::size_t max_fork_age = 100;
  std::size_t max_open_topics = 32;
  // Chance that a merge into the mainline takes 2-4 topics at once.
  double octopus_chance = 0.05;
  // Chance that a topic absorbs another topic instead of going to the mainline.
  double nested_merge_chance = 0.05;
};

// Node i has committer time 1e9 + 60 i; object ids are pseudo-random from (seed, i).
vcs::CommitGraph make_synthetic_history(const SyntheticHistoryOptions& options);

}  // namespace culprit::testing
