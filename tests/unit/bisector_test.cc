#include "search/bisector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <random>
#include <set>

#include "support/synthetic_history.h"

namespace culprit::search {
namespace {

using testing::make_synthetic_history;
using testing::SyntheticHistoryOptions;
using vcs::CommitGraph;

vcs::Oid numbered_oid(std::uint32_t number) {
  vcs::Oid oid;
  oid.bytes[16] = static_cast<std::uint8_t>(number >> 24);
  oid.bytes[17] = static_cast<std::uint8_t>(number >> 16);
  oid.bytes[18] = static_cast<std::uint8_t>(number >> 8);
  oid.bytes[19] = static_cast<std::uint8_t>(number);
  return oid;
}

// A graph from explicit parent lists (node i may only name parents < i).
CommitGraph make_graph(const std::vector<std::vector<Index>>& parents) {
  CommitGraph::Builder builder;
  for (std::size_t node = 0; node < parents.size(); ++node) {
    builder.add_indexed(numbered_oid(static_cast<std::uint32_t>(node)), parents[node],
                        static_cast<std::int64_t>(node));
  }
  return std::move(builder).build();
}

CommitGraph make_chain(std::size_t length) {
  std::vector<std::vector<Index>> parents(length);
  for (std::size_t node = 1; node < length; ++node) parents[node] = {static_cast<Index>(node - 1)};
  return make_graph(parents);
}

// Ancestor sets (self included) as bitsets, by the definition: fine for a few thousand nodes.
class AncestorSets {
 public:
  explicit AncestorSets(const CommitGraph& graph)
      : words_((graph.size() + 63) / 64), bits_(graph.size() * words_, 0) {
    for (std::size_t node = 0; node < graph.size(); ++node) {
      std::uint64_t* row = &bits_[node * words_];
      row[node / 64] |= std::uint64_t{1} << (node % 64);
      for (const Index parent : graph.parents(static_cast<Index>(node))) {
        const std::uint64_t* from = &bits_[parent * words_];
        for (std::size_t w = 0; w < words_; ++w) row[w] |= from[w];
      }
    }
  }
  bool is_ancestor(Index ancestor, Index of) const {
    return (bits_[of * words_ + ancestor / 64] >> (ancestor % 64)) & 1;
  }
  // Candidates (a bitset like the rows) among the ancestors of `node`.
  std::size_t weight(Index node, const std::vector<std::uint64_t>& candidate) const {
    std::size_t count = 0;
    for (std::size_t w = 0; w < words_; ++w)
      count += std::popcount(bits_[node * words_ + w] & candidate[w]);
    return count;
  }

 private:
  std::size_t words_;
  std::vector<std::uint64_t> bits_;
};

std::vector<bool> candidate_flags(const Bisector& bisector, std::size_t size) {
  std::vector<bool> flags(size, false);
  for (const Index node : bisector.candidates()) flags[node] = true;
  return flags;
}

std::vector<std::uint64_t> candidate_bits(const Bisector& bisector, std::size_t size) {
  std::vector<std::uint64_t> bits((size + 63) / 64, 0);
  for (const Index node : bisector.candidates()) bits[node / 64] |= std::uint64_t{1} << (node % 64);
  return bits;
}

// The best min(w, N - w) over the commits that may be tested, by brute force.
std::size_t optimal_distance(const AncestorSets& sets, const Bisector& bisector, std::size_t size,
                             const std::set<Index>& skipped) {
  const std::vector<bool> candidate = candidate_flags(bisector, size);
  const std::vector<std::uint64_t> bits = candidate_bits(bisector, size);
  const std::size_t total = bisector.candidate_count();
  std::size_t best = 0;
  for (std::size_t node = 0; node < size; ++node) {
    if (!candidate[node] || node == bisector.bad() || skipped.count(static_cast<Index>(node))) {
      continue;
    }
    const std::size_t weight = sets.weight(static_cast<Index>(node), bits);
    best = std::max(best, std::min(weight, total - weight));
  }
  return best;
}

struct BisectRun {
  BisectStep last;
  int steps = 0;
};

// Runs a whole bisection against a deterministic oracle (bad iff `culprit` is an ancestor of the
// tested commit or the commit itself). With `check_optimal`, every chosen commit is compared with
// the brute-force best and git's "revisions left" formula.
BisectRun bisect(const CommitGraph& graph, const AncestorSets& sets, Index culprit,
                 const std::set<Index>& skipped, bool check_optimal) {
  Bisector bisector(graph, static_cast<Index>(graph.size() - 1));
  BisectRun run;
  std::set<Index> marked_skipped;  // what the bisector has been told so far
  for (;;) {
    run.last = bisector.next();
    if (run.last.kind != BisectStep::Kind::test) return run;
    const Index commit = run.last.commit;
    EXPECT_TRUE(bisector.is_candidate(commit));
    EXPECT_NE(commit, bisector.bad());
    EXPECT_EQ(marked_skipped.count(commit), 0u) << "a skipped commit was chosen again";
    if (check_optimal) {
      const std::size_t total = bisector.candidate_count();
      const std::size_t weight = sets.weight(commit, candidate_bits(bisector, graph.size()));
      EXPECT_EQ(std::min(weight, total - weight),
                optimal_distance(sets, bisector, graph.size(), marked_skipped))
          << "commit " << commit << " of " << total << " candidates";
      if (marked_skipped.empty()) {
        EXPECT_EQ(run.last.revisions_left, total - weight - 1);
      }
      EXPECT_EQ(run.last.steps_left, estimate_bisect_steps(total));
    }
    if (++run.steps > 64) {
      ADD_FAILURE() << "bisection does not converge";
      return run;
    }
    if (skipped.count(commit)) {
      bisector.mark(commit, Mark::skip);
      marked_skipped.insert(commit);
    } else {
      bisector.mark(commit, sets.is_ancestor(culprit, commit) ? Mark::bad : Mark::good);
    }
  }
}

// Every culprit, or every `stride`-th one to keep big graphs quick.
void expect_every_culprit_found(const CommitGraph& graph, bool check_optimal, Index stride = 1) {
  const AncestorSets sets(graph);
  const auto last = static_cast<Index>(graph.size() - 1);
  for (Index node = 0; node < graph.size(); ++node) {
    ASSERT_TRUE(sets.is_ancestor(node, last)) << "generated history must reach node " << node;
  }
  int max_steps = 0;
  for (Index culprit = 0; culprit < graph.size(); culprit += stride) {
    const BisectRun run = bisect(graph, sets, culprit, {}, check_optimal);
    ASSERT_EQ(run.last.kind, BisectStep::Kind::found) << "culprit " << culprit;
    ASSERT_EQ(run.last.commit, culprit);
    max_steps = std::max(max_steps, run.steps);
  }
  // A bisection halves the range each step, give or take the shape of the graph.
  EXPECT_LE(max_steps, 2 * std::bit_width(graph.size()) + 2);
}

TEST(EstimateBisectSteps, MatchesGitsFormula) {
  EXPECT_EQ(estimate_bisect_steps(0), 0);
  EXPECT_EQ(estimate_bisect_steps(1), 0);
  EXPECT_EQ(estimate_bisect_steps(2), 0);
  EXPECT_EQ(estimate_bisect_steps(3), 1);
  EXPECT_EQ(estimate_bisect_steps(4), 1);
  EXPECT_EQ(estimate_bisect_steps(5), 1);
  EXPECT_EQ(estimate_bisect_steps(6), 2);
  EXPECT_EQ(estimate_bisect_steps(8), 2);
  EXPECT_EQ(estimate_bisect_steps(10), 2);
  EXPECT_EQ(estimate_bisect_steps(11), 3);
  EXPECT_EQ(estimate_bisect_steps(1024), 9);
  EXPECT_EQ(estimate_bisect_steps(1400), 10);
}

TEST(Bisector, TenRevisionRangeReportsWhatGitPrints) {
  // git bisect start 10 0 on a chain: "Bisecting: 4 revisions left to test after this (roughly 2
  // steps)" and it checks out the 5th commit above the good one.
  const CommitGraph graph = make_chain(11);
  Bisector bisector(graph, 10);
  bisector.mark(0, Mark::good);
  EXPECT_EQ(bisector.candidate_count(), 10u);
  const BisectStep step = bisector.next();
  EXPECT_EQ(step.kind, BisectStep::Kind::test);
  EXPECT_EQ(step.commit, 5u);
  EXPECT_EQ(step.revisions_left, 4u);
  EXPECT_EQ(step.steps_left, 2);
}

TEST(Bisector, SingleCandidateIsFound) {
  const CommitGraph graph = make_chain(3);
  Bisector bisector(graph, 2);
  bisector.mark(1, Mark::good);
  const BisectStep step = bisector.next();
  EXPECT_EQ(step.kind, BisectStep::Kind::found);
  EXPECT_EQ(step.commit, 2u);
}

TEST(Bisector, MarksNarrowCandidatesLikeGit) {
  // 0 - 1 - 2 - 5 (merge of 2 and 4) - 6
  //      \- 3 - 4 /
  const CommitGraph graph = make_graph({{}, {0}, {1}, {1}, {3}, {2, 4}, {5}});
  Bisector bisector(graph, 6);
  EXPECT_EQ(bisector.candidate_count(), 7u);
  bisector.mark(3, Mark::good);  // removes 3, 1, 0
  EXPECT_EQ(bisector.candidates(), (std::vector<Index>{2, 4, 5, 6}));
  bisector.mark(5, Mark::bad);  // bad moves to 5
  EXPECT_EQ(bisector.bad(), 5u);
  EXPECT_EQ(bisector.candidates(), (std::vector<Index>{2, 4, 5}));
  EXPECT_EQ(bisector.weight(5), 3u);
  EXPECT_EQ(bisector.weight(4), 1u);
}

TEST(Bisector, FindsEveryCulpritInALinearChain) {
  expect_every_culprit_found(make_chain(257), /*check_optimal=*/true);
}

TEST(Bisector, FindsEveryCulpritInMergeHeavyHistories) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(seed);
    SyntheticHistoryOptions options;
    options.commits = 300;
    options.seed = seed;
    options.nested_merge_chance = 0.2;
    expect_every_culprit_found(make_synthetic_history(options), /*check_optimal=*/true);
  }
}

TEST(Bisector, FindsEveryCulpritWithOldForksAndOctopusMerges) {
  SyntheticHistoryOptions options;
  options.commits = 400;
  options.seed = 7;
  options.max_fork_age = 1000;  // topics fork from anywhere in the past
  options.octopus_chance = 0.5;
  options.max_open_topics = 12;
  const CommitGraph graph = make_synthetic_history(options);
  std::size_t octopus_merges = 0;
  for (Index node = 0; node < graph.size(); ++node) {
    octopus_merges += graph.parents(node).size() >= 3 ? 1 : 0;
  }
  EXPECT_GT(octopus_merges, 3u);
  expect_every_culprit_found(graph, /*check_optimal=*/true);
}

TEST(Bisector, FindsEveryCulpritInALargerHistory) {
  SyntheticHistoryOptions options;
  options.commits = 2000;
  options.seed = 11;
  expect_every_culprit_found(make_synthetic_history(options), /*check_optimal=*/false,
                             /*stride=*/7);
}

TEST(Bisector, SkippedCommitsAreAvoidedAndTheResultStaysSound) {
  SyntheticHistoryOptions options;
  options.commits = 300;
  options.seed = 5;
  const CommitGraph graph = make_synthetic_history(options);
  const AncestorSets sets(graph);
  std::mt19937 random(3);
  int found = 0;
  for (Index culprit = 0; culprit + 1 < graph.size(); culprit += 3) {
    std::set<Index> skipped;
    for (Index node = 0; node + 1 < graph.size(); ++node) {
      if (node != culprit && random() % 5 == 0) skipped.insert(node);
    }
    const BisectRun run = bisect(graph, sets, culprit, skipped, /*check_optimal=*/true);
    if (run.last.kind == BisectStep::Kind::found) {
      EXPECT_EQ(run.last.commit, culprit);
      ++found;
    } else {
      // Inconclusive only because the commits that would decide it were skipped.
      ASSERT_EQ(run.last.kind, BisectStep::Kind::only_skipped);
      const auto& left = run.last.candidates;
      EXPECT_NE(std::find(left.begin(), left.end(), culprit), left.end());
      for (const Index node : left) {
        if (node != run.last.commit) {
          EXPECT_EQ(skipped.count(node), 1u) << node;
        }
      }
    }
  }
  EXPECT_GT(found, 50);  // most culprits are still pinned down exactly
}

TEST(Bisector, SkipsFarFromTheCulpritStillFindIt) {
  const CommitGraph graph = make_chain(100);
  const AncestorSets sets(graph);
  const std::set<Index> skipped{10, 11, 12, 49, 50, 51, 90};
  const BisectRun run = bisect(graph, sets, 30, skipped, /*check_optimal=*/true);
  EXPECT_EQ(run.last.kind, BisectStep::Kind::found);
  EXPECT_EQ(run.last.commit, 30u);
}

TEST(Bisector, SkippedCulpritLeavesOnlySkippedCandidates) {
  const CommitGraph graph = make_chain(10);
  const AncestorSets sets(graph);
  const BisectRun run = bisect(graph, sets, 5, {5}, /*check_optimal=*/false);
  ASSERT_EQ(run.last.kind, BisectStep::Kind::only_skipped);
  EXPECT_EQ(run.last.commit, 6u);  // the current bad commit
  EXPECT_EQ(run.last.candidates, (std::vector<Index>{5, 6}));
}

TEST(Bisector, EverythingSkippedIsInconclusiveWithAllCandidates) {
  const CommitGraph graph = make_graph({{}, {0}, {0}, {1, 2}});
  Bisector bisector(graph, 3);
  bisector.mark(0, Mark::good);
  bisector.mark(1, Mark::skip);
  bisector.mark(2, Mark::skip);
  const BisectStep step = bisector.next();
  EXPECT_EQ(step.kind, BisectStep::Kind::only_skipped);
  EXPECT_EQ(step.candidates, (std::vector<Index>{1, 2, 3}));
}

// Exact weights of every node of a large graph without an N x N matrix: ancestor bitsets are
// built for one block of 4096 possible ancestors at a time.
std::vector<std::uint32_t> brute_force_weights(const CommitGraph& graph,
                                               const std::vector<bool>& candidate) {
  constexpr std::size_t kBlock = 4096;
  constexpr std::size_t kWords = kBlock / 64;
  std::vector<std::uint32_t> weights(graph.size(), 0);
  std::vector<std::uint64_t> bits(graph.size() * kWords);
  for (std::size_t begin = 0; begin < graph.size(); begin += kBlock) {
    std::fill(bits.begin(), bits.end(), 0);
    for (std::size_t node = begin; node < graph.size(); ++node) {
      if (!candidate[node]) continue;
      std::uint64_t* row = &bits[node * kWords];
      if (node < begin + kBlock) row[(node - begin) / 64] |= std::uint64_t{1} << (node % 64);
      for (const Index parent : graph.parents(static_cast<Index>(node))) {
        if (parent < begin || !candidate[parent]) continue;
        const std::uint64_t* from = &bits[parent * kWords];
        for (std::size_t w = 0; w < kWords; ++w) row[w] |= from[w];
      }
      for (std::size_t w = 0; w < kWords; ++w) weights[node] += std::popcount(row[w]);
    }
  }
  return weights;
}

TEST(Bisector, BigGraphPathIsNearOptimal) {
  SyntheticHistoryOptions options;
  options.commits = 50'000;
  options.seed = 42;
  const CommitGraph graph = make_synthetic_history(options);
  const auto bad = static_cast<Index>(graph.size() - 1);
  BisectorOptions approximate;
  approximate.exact_work_budget = 0;  // force bounds + refinement for off-spine merges

  Bisector bisector(graph, bad, approximate);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    const std::vector<bool> candidate = candidate_flags(bisector, graph.size());
    const std::vector<std::uint32_t> weights = brute_force_weights(graph, candidate);
    const std::size_t total = bisector.candidate_count();
    std::size_t optimum = 0;
    for (Index node = 0; node < graph.size(); ++node) {
      if (candidate[node] && node != bisector.bad()) {
        optimum = std::max<std::size_t>(
            optimum, std::min<std::size_t>(weights[node], total - weights[node]));
      }
    }
    const BisectStep step = bisector.next();
    ASSERT_EQ(step.kind, BisectStep::Kind::test);
    const std::size_t weight = weights[step.commit];
    EXPECT_EQ(step.revisions_left, total - weight - 1) << "the chosen weight must be exact";
    EXPECT_GE(static_cast<double>(std::min(weight, total - weight)), 0.995 * optimum)
        << "optimum " << optimum << " of " << total;
    // Narrow the range the way a bisection would and check again.
    bisector.mark(step.commit, round % 2 == 0 ? Mark::good : Mark::bad);
  }
}

}  // namespace
}  // namespace culprit::search
