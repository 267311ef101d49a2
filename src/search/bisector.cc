#include "search/bisector.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <limits>

namespace culprit::search {

namespace {

// Visited marks shared by many DFS runs: a node is visited in the current round when its stamp
// equals the round number, so starting a new DFS costs nothing instead of clearing N flags.
class VisitMarks {
 public:
  explicit VisitMarks(std::size_t size) : stamps_(size, 0) {}

  void start_round() {
    if (++round_ == 0) {  // wrapped after 2^32 rounds: old stamps could look current
      std::fill(stamps_.begin(), stamps_.end(), 0);
      round_ = 1;
    }
  }
  // True the first time `node` is seen in this round.
  bool visit(Index node) {
    if (stamps_[node] == round_) return false;
    stamps_[node] = round_;
    return true;
  }

 private:
  std::vector<std::uint32_t> stamps_;
  std::uint32_t round_ = 0;
};

// Number of candidates reachable from `start` (itself included) through candidates only. Because
// candidates are "ancestors of bad minus ancestors of goods", every path from a candidate to a
// candidate ancestor runs through candidates, so the restricted walk misses nothing.
std::size_t count_candidate_ancestors(const CommitGraph& graph, const std::vector<bool>& candidate,
                                      Index start, VisitMarks& marks, std::vector<Index>& stack) {
  marks.start_round();
  marks.visit(start);
  stack.assign(1, start);
  std::size_t count = 0;
  while (!stack.empty()) {
    const Index node = stack.back();
    stack.pop_back();
    ++count;
    for (const Index parent : graph.parents(node)) {
      if (candidate[parent] && marks.visit(parent)) stack.push_back(parent);
    }
  }
  return count;
}

// Every node reachable from `start` (itself included), through candidates only when
// `candidates_only`; `visit` is called once per node.
template <typename Visit>
void walk_ancestors(const CommitGraph& graph, const std::vector<bool>& candidate, Index start,
                    bool candidates_only, Visit visit) {
  std::vector<bool> seen(graph.size(), false);
  std::vector<Index> stack{start};
  seen[start] = true;
  while (!stack.empty()) {
    const Index node = stack.back();
    stack.pop_back();
    visit(node);
    for (const Index parent : graph.parents(node)) {
      if (seen[parent] || (candidates_only && !candidate[parent])) continue;
      seen[parent] = true;
      stack.push_back(parent);
    }
  }
}

struct Choice {
  bool valid = false;
  Index commit = 0;
  std::size_t weight = 0;
  std::size_t distance = 0;  // min(weight, N - weight): how much any verdict removes at least
};

// git's "close enough to halfway" (approx_halfway): exact for small N, ~0.1% for large N.
bool is_halfway(std::size_t weight, std::size_t total) {
  const long long diff = 2 * static_cast<long long>(weight) - static_cast<long long>(total);
  return std::llabs(diff) <= 1 || std::llabs(diff) < static_cast<long long>(total / 1024);
}

}  // namespace

Bisector::Bisector(const CommitGraph& graph, Index bad, BisectorOptions options)
    : graph_(&graph),
      bad_(bad),
      options_(options),
      candidate_(graph.size(), false),
      skipped_(graph.size(), false) {
  walk_ancestors(graph, candidate_, bad, /*candidates_only=*/false, [&](Index node) {
    candidate_[node] = true;
    ++candidate_count_;
  });
}

void Bisector::mark(Index commit, Mark mark) {
  switch (mark) {
    case Mark::skip:
      skipped_[commit] = true;
      any_skipped_ = true;
      return;
    case Mark::good: {
      // Everything the good commit reaches is good. Starting from a candidate, the walk may stay
      // within candidates (see count_candidate_ancestors); from elsewhere it must not.
      const bool from_candidate = candidate_[commit];
      walk_ancestors(*graph_, candidate_, commit, from_candidate, [&](Index node) {
        if (candidate_[node]) {
          candidate_[node] = false;
          --candidate_count_;
        }
      });
      return;
    }
    case Mark::bad: {
      std::vector<bool> reached(graph_->size(), false);
      walk_ancestors(*graph_, candidate_, commit, candidate_[commit],
                     [&](Index node) { reached[node] = true; });
      candidate_count_ = 0;
      for (std::size_t node = 0; node < candidate_.size(); ++node) {
        const bool keep = candidate_[node] && reached[node];
        candidate_[node] = keep;
        candidate_count_ += keep ? 1 : 0;
      }
      bad_ = commit;
      return;
    }
  }
}

std::vector<Index> Bisector::candidates() const {
  std::vector<Index> result;
  result.reserve(candidate_count_);
  for (std::size_t node = 0; node < candidate_.size(); ++node) {
    if (candidate_[node]) result.push_back(static_cast<Index>(node));
  }
  return result;
}

std::size_t Bisector::weight(Index commit) const {
  if (!candidate_[commit]) return 0;
  VisitMarks marks(graph_->size());
  std::vector<Index> stack;
  return count_candidate_ancestors(*graph_, candidate_, commit, marks, stack);
}

BisectStep Bisector::next() const {
  const CommitGraph& graph = *graph_;
  const std::size_t total = candidate_count_;
  BisectStep step;
  if (total <= 1 || !candidate_[bad_]) {
    step.kind = BisectStep::Kind::found;
    step.commit = bad_;
    return step;
  }
  // All candidates are ancestors of bad, so they all have smaller indices.
  const std::size_t limit = std::size_t{bad_} + 1;
  bool anything_to_test = false;
  for (std::size_t node = 0; node < bad_ && !anything_to_test; ++node) {
    anything_to_test = candidate_[node] && !skipped_[node];
  }
  if (!anything_to_test) {
    step.kind = BisectStep::Kind::only_skipped;
    step.commit = bad_;
    step.candidates = candidates();
    return step;
  }

  auto candidate_parent_count = [&](Index node) {
    std::size_t count = 0;
    for (const Index parent : graph.parents(node)) count += candidate_[parent] ? 1 : 0;
    return count;
  };

  // Bounds on every candidate's weight; lower == upper means exact.
  std::vector<std::uint32_t> lower(limit, 0);
  std::vector<std::uint32_t> upper(limit, 0);

  // Layer 2: the spine, oldest first, with one incrementally grown ancestor bitmap.
  std::vector<Index> spine;
  for (Index node = bad_;;) {
    spine.push_back(node);
    const auto parents = graph.parents(node);
    const auto next = std::find_if(parents.begin(), parents.end(),
                                   [&](Index parent) { return candidate_[parent]; });
    if (next == parents.end()) break;
    node = *next;
  }
  std::reverse(spine.begin(), spine.end());
  std::vector<bool> on_spine(limit, false);
  {
    std::vector<bool> spine_ancestor(limit, false);
    std::vector<Index> stack;
    std::size_t weight = 0;
    for (std::size_t i = 0; i < spine.size(); ++i) {
      const Index node = spine[i];
      on_spine[node] = true;
      spine_ancestor[node] = true;
      ++weight;
      for (const Index parent : graph.parents(node)) {
        if (!candidate_[parent] || spine_ancestor[parent]) continue;
        spine_ancestor[parent] = true;
        stack.assign(1, parent);
        while (!stack.empty()) {
          const Index reached = stack.back();
          stack.pop_back();
          ++weight;
          for (const Index further : graph.parents(reached)) {
            if (candidate_[further] && !spine_ancestor[further]) {
              spine_ancestor[further] = true;
              stack.push_back(further);
            }
          }
        }
      }
      lower[node] = upper[node] = static_cast<std::uint32_t>(weight);
    }
  }

  // Layer 3 decision: can every off-spine merge afford git's DFS?
  std::uint64_t off_spine_merges = 0;
  for (std::size_t node = 0; node < limit; ++node) {
    if (candidate_[node] && !on_spine[node] && candidate_parent_count(node) >= 2) {
      ++off_spine_merges;
    }
  }
  const bool exact_everywhere = off_spine_merges * total <= options_.exact_work_budget;

  VisitMarks marks(limit);
  std::vector<Index> stack;
  // Layers 1 and 3, in topological order so that parents are done first.
  for (std::size_t i = 0; i < limit; ++i) {
    const auto node = static_cast<Index>(i);
    if (!candidate_[node] || on_spine[node]) continue;
    std::size_t parents = 0;
    std::uint64_t max_lower = 0;
    std::uint64_t sum_upper = 0;
    for (const Index parent : graph.parents(node)) {
      if (!candidate_[parent]) continue;
      ++parents;
      max_lower = std::max<std::uint64_t>(max_lower, lower[parent]);
      sum_upper += upper[parent];
    }
    if (parents <= 1) {
      lower[node] = static_cast<std::uint32_t>(max_lower + 1);
      upper[node] = static_cast<std::uint32_t>(sum_upper + 1);
    } else if (exact_everywhere) {
      lower[node] = upper[node] = static_cast<std::uint32_t>(
          count_candidate_ancestors(graph, candidate_, node, marks, stack));
    } else {
      // Not bad (bad is on the spine), so at most total - 1.
      lower[node] = static_cast<std::uint32_t>(max_lower + 1);
      upper[node] = static_cast<std::uint32_t>(std::min<std::uint64_t>(sum_upper + 1, total - 1));
    }
  }

  // Best first: larger distance; then git's tie order.
  auto better = [&](const Choice& a, const Choice& b) {
    if (!b.valid) return a.valid;
    if (!a.valid) return false;
    if (a.distance != b.distance) return a.distance > b.distance;
    if (any_skipped_) return graph.id(a.commit) < graph.id(b.commit);
    if (graph.time(a.commit) != graph.time(b.commit)) {
      return graph.time(a.commit) < graph.time(b.commit);
    }
    return a.commit < b.commit;
  };
  Choice best_any;   // what git would pick ignoring skips: its weight is what git reports
  Choice best_test;  // the best commit that is not skipped: what we test
  auto consider = [&](Index node, std::size_t weight) {
    const Choice choice{true, node, weight, std::min(weight, total - weight)};
    if (better(choice, best_any)) best_any = choice;
    if (!skipped_[node] && better(choice, best_test)) best_test = choice;
  };
  std::vector<Index> inexact;
  for (std::size_t i = 0; i < bad_; ++i) {
    const auto node = static_cast<Index>(i);
    if (!candidate_[node]) continue;
    if (lower[node] == upper[node]) {
      consider(node, lower[node]);
    } else if (!skipped_[node]) {
      inexact.push_back(node);
    }
  }

  // Refinement: weigh exactly the inexact commits most likely to beat the best exact one.
  if (!inexact.empty()) {
    const std::size_t half = total / 2;
    auto potential = [&](Index node) -> std::size_t {
      if (upper[node] < half) return upper[node];
      if (lower[node] > half) return total - lower[node];
      return half;
    };
    auto off_half = [&](Index node) {
      return std::llabs(2 * static_cast<long long>(lower[node]) - static_cast<long long>(total));
    };
    std::erase_if(inexact, [&](Index node) { return potential(node) <= best_test.distance; });
    std::sort(inexact.begin(), inexact.end(), [&](Index a, Index b) {
      const auto a_off = off_half(a);
      const auto b_off = off_half(b);
      return a_off != b_off ? a_off < b_off : a < b;
    });
    // At least refinement_limit DFS runs; more while their visits (each at most `total`) stay
    // within the exact-work budget, so small ranges get many, a million-commit range a few dozen.
    int refinements = 0;
    std::uint64_t visits = 0;
    for (const Index node : inexact) {
      if (refinements >= options_.refinement_limit && visits + total > options_.exact_work_budget) {
        break;
      }
      if (best_test.valid && is_halfway(best_test.weight, total)) break;
      if (potential(node) <= best_test.distance) continue;
      ++refinements;
      const std::size_t weight = count_candidate_ancestors(graph, candidate_, node, marks, stack);
      visits += weight;
      consider(node, weight);
    }
  }

  step.kind = BisectStep::Kind::test;
  step.commit = best_test.commit;
  // git prints "all - reaches - 1" with reaches the weight of its best commit, skipped or not.
  const Choice& reported = best_any.valid ? best_any : best_test;
  step.revisions_left = total - reported.weight - 1;
  step.steps_left = estimate_bisect_steps(total);
  return step;
}

int estimate_bisect_steps(std::size_t all) {
  if (all < 3) return 0;
  // With all = 2^n + x (0 <= x < 2^n), n - 1 more steps are likelier than n when 2^n >= 3x.
  const int n = static_cast<int>(std::bit_width(all)) - 1;
  const std::size_t power = std::size_t{1} << n;
  const std::size_t extra = all - power;
  return power < 3 * extra ? n : n - 1;
}

}  // namespace culprit::search
