// Ancestry (search/ancestry.h): the per-merge difference lists, built by two DFS runs per merge
// (what the first parent reaches, then what the other parents reach beyond it), and the two
// queries the bayes strategy asks of them -- every ancestor of one node, and every node's sum of a
// mass over its ancestors.
#include "search/ancestry.h"

namespace culprit::search {

namespace {

// Visited marks reused by many DFS runs (a node is visited when its stamp is the current round).
class Marks {
 public:
  explicit Marks(std::size_t size) : stamps_(size, 0) {}
  void next_round() { ++round_; }
  bool visit(Index node) {
    if (stamps_[node] == round_) return false;
    stamps_[node] = round_;
    return true;
  }
  bool seen(Index node) const { return stamps_[node] == round_; }

 private:
  std::vector<std::uint32_t> stamps_;
  std::uint32_t round_ = 0;
};

}  // namespace

Ancestry::Ancestry(const vcs::CommitGraph& graph) : graph_(&graph) {
  const std::size_t size = graph.size();
  offsets_.assign(size + 1, 0);
  Marks marks(size);
  std::vector<Index> stack;
  for (std::size_t i = 0; i < size; ++i) {
    const auto node = static_cast<Index>(i);
    const auto parents = graph.parents(node);
    offsets_[i] = static_cast<std::uint32_t>(difference_.size());
    if (parents.size() >= 2) {
      // Everything the first parent reaches, then what the other parents reach beyond it.
      marks.next_round();
      marks.visit(parents[0]);
      stack.assign(1, parents[0]);
      while (!stack.empty()) {
        const Index at = stack.back();
        stack.pop_back();
        for (const Index parent : graph.parents(at)) {
          if (marks.visit(parent)) stack.push_back(parent);
        }
      }
      for (std::size_t p = 1; p < parents.size(); ++p) {
        if (!marks.visit(parents[p])) continue;
        stack.assign(1, parents[p]);
        while (!stack.empty()) {
          const Index at = stack.back();
          stack.pop_back();
          difference_.push_back(at);
          for (const Index parent : graph.parents(at)) {
            if (marks.visit(parent)) stack.push_back(parent);
          }
        }
      }
    }
    offsets_[i + 1] = static_cast<std::uint32_t>(difference_.size());
  }
}

std::vector<Index> Ancestry::ancestors(Index node) const {
  std::vector<bool> seen(graph_->size(), false);
  std::vector<Index> result{node};
  seen[node] = true;
  for (std::size_t at = 0; at < result.size(); ++at) {
    for (const Index parent : graph_->parents(result[at])) {
      if (!seen[parent]) {
        seen[parent] = true;
        result.push_back(parent);
      }
    }
  }
  return result;
}

void Ancestry::ancestor_sums(std::span<const double> mass, std::vector<double>& sums) const {
  const std::size_t size = graph_->size();
  sums.resize(size);
  for (std::size_t i = 0; i < size; ++i) {
    const auto node = static_cast<Index>(i);
    const auto parents = graph_->parents(node);
    double sum = mass[i];
    if (!parents.empty()) {
      sum += sums[parents[0]];
      for (const Index extra : merge_difference(node)) sum += mass[extra];
    }
    sums[i] = sum;
  }
}

}  // namespace culprit::search
