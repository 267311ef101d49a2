// Ancestry: the part of a commit graph's ancestry that the bayes strategy's posterior needs,
// computed once per graph. For every merge it keeps the ancestors that the merge's other parents
// bring in beyond its first parent (its "merge difference"); with those, the sum of a per-node mass
// over every node's ancestors is one pass in topological order -- exact with merges, side branches
// and octopus merges -- and P(x is new) for every commit x is such a sum (bayes_strategy.h). It
// also answers "every ancestor of x" by one DFS. It holds a pointer to the graph, which must
// outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vcs/commit_graph.h"

namespace culprit::search {

using Index = vcs::CommitGraph::Index;  // as in search/bisector.h

// What the posterior needs of the graph's ancestry, computed once per graph (shareable between
// strategies over the same graph, as the benchmark does).
class Ancestry {
 public:
  explicit Ancestry(const vcs::CommitGraph& graph);
  const vcs::CommitGraph& graph() const { return *graph_; }
  // For a node with 2+ parents: its ancestors that its first parent does not reach (itself
  // excluded); empty otherwise.
  std::span<const Index> merge_difference(Index node) const {
    return {difference_.data() + offsets_[node], difference_.data() + offsets_[node + 1]};
  }
  // Every ancestor of `node`, itself included (one DFS).
  std::vector<Index> ancestors(Index node) const;
  // For every node, the sum of `mass` over its ancestors (itself included), exactly.
  void ancestor_sums(std::span<const double> mass, std::vector<double>& sums) const;

 private:
  const vcs::CommitGraph* graph_;
  std::vector<std::uint32_t> offsets_;
  std::vector<Index> difference_;
};

}  // namespace culprit::search
