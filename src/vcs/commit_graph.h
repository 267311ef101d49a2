// CommitGraph: an immutable, compact commit DAG for the search code.
//
// Nodes are numbered 0..size()-1 in topological order, parents before children: for every edge
// child -> parent, index(parent) < index(child). Only the parents that are themselves in the graph
// are kept: a graph loaded as "reachable from BAD, not from GOOD" simply has no edges into the
// good side. Storage is a CSR adjacency (one offsets array, one parents array) so that a
// million-commit history costs tens of MiB, not a node object per commit.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace culprit::vcs {

struct Oid {
  std::array<std::uint8_t, 20> bytes{};

  std::string hex() const;
  static std::optional<Oid> from_hex(std::string_view hex);  // exactly 40 hex digits
  auto operator<=>(const Oid&) const = default;
};

struct OidHash {
  std::size_t operator()(const Oid& oid) const noexcept;
};

class CommitGraph {
 public:
  using Index = std::uint32_t;

  std::size_t size() const { return ids_.size(); }
  const Oid& id(Index node) const { return ids_[node]; }
  std::span<const Index> parents(Index node) const {
    return {parents_.data() + offsets_[node], parents_.data() + offsets_[node + 1]};
  }
  // Committer time (seconds since the epoch), used only to break ties the way git does.
  std::int64_t time(Index node) const { return times_[node]; }
  std::optional<Index> find(const Oid& oid) const;
  std::optional<Index> find_hex(std::string_view hex) const;

  // Adds nodes in topological order (parents first). Parents that were not added before are
  // outside the graph and are dropped.
  class Builder {
   public:
    void reserve(std::size_t nodes, std::size_t edges);
    Index add(const Oid& id, std::span<const Oid> parents, std::int64_t time = 0);
    // Faster form for generated graphs: parents given by index (each < the new node's index).
    Index add_indexed(const Oid& id, std::span<const Index> parents, std::int64_t time = 0);
    CommitGraph build() &&;

   private:
    std::vector<Oid> ids_;
    std::vector<std::int64_t> times_;
    std::vector<std::uint32_t> offsets_{0};
    std::vector<Index> parents_;
    std::unordered_map<Oid, Index, OidHash> index_;
  };

 private:
  std::vector<Oid> ids_;
  std::vector<std::int64_t> times_;
  std::vector<std::uint32_t> offsets_;  // size()+1 entries
  std::vector<Index> parents_;
  std::unordered_map<Oid, Index, OidHash> index_;
};

}  // namespace culprit::vcs
