#include "vcs/commit_graph.h"

#include <cstring>

namespace culprit::vcs {

namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Oid::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    text[2 * i] = kDigits[bytes[i] >> 4];
    text[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return text;
}

std::optional<Oid> Oid::from_hex(std::string_view hex) {
  Oid oid;
  if (hex.size() != oid.bytes.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < oid.bytes.size(); ++i) {
    const int high = hex_digit_value(hex[2 * i]);
    const int low = hex_digit_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    oid.bytes[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return oid;
}

std::size_t OidHash::operator()(const Oid& oid) const noexcept {
  // Real object ids are uniformly distributed, but generated graphs (tests, benchmarks) often
  // number their ids in a few bytes only, so every byte takes part, then a 64-bit finaliser mixes.
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint32_t c = 0;
  std::memcpy(&a, oid.bytes.data(), sizeof a);
  std::memcpy(&b, oid.bytes.data() + 8, sizeof b);
  std::memcpy(&c, oid.bytes.data() + 16, sizeof c);
  std::uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ULL) ^ (std::uint64_t{c} << 17);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

std::optional<CommitGraph::Index> CommitGraph::find(const Oid& oid) const {
  const auto it = index_.find(oid);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::optional<CommitGraph::Index> CommitGraph::find_hex(std::string_view hex) const {
  const std::optional<Oid> oid = Oid::from_hex(hex);
  if (!oid) return std::nullopt;
  return find(*oid);
}

void CommitGraph::Builder::reserve(std::size_t nodes, std::size_t edges) {
  ids_.reserve(nodes);
  times_.reserve(nodes);
  offsets_.reserve(nodes + 1);
  parents_.reserve(edges);
  index_.reserve(nodes);
}

CommitGraph::Index CommitGraph::Builder::add(const Oid& id, std::span<const Oid> parents,
                                             std::int64_t time) {
  // A commit added twice (two tips reaching it by different walks) keeps its first node.
  if (const auto existing = index_.find(id); existing != index_.end()) return existing->second;
  const auto node = static_cast<Index>(ids_.size());
  const std::size_t first_parent = parents_.size();
  for (const Oid& parent : parents) {
    const auto found = index_.find(parent);
    if (found == index_.end()) continue;  // outside the graph
    // A commit may name the same parent twice; one edge is enough.
    bool duplicate = false;
    for (std::size_t i = first_parent; i < parents_.size(); ++i) {
      duplicate = duplicate || parents_[i] == found->second;
    }
    if (!duplicate) parents_.push_back(found->second);
  }
  ids_.push_back(id);
  times_.push_back(time);
  offsets_.push_back(static_cast<std::uint32_t>(parents_.size()));
  index_.emplace(id, node);
  return node;
}

CommitGraph::Index CommitGraph::Builder::add_indexed(const Oid& id, std::span<const Index> parents,
                                                     std::int64_t time) {
  const auto node = static_cast<Index>(ids_.size());
  for (const Index parent : parents) {
    if (parent < node) parents_.push_back(parent);  // a later node would break the topology
  }
  ids_.push_back(id);
  times_.push_back(time);
  offsets_.push_back(static_cast<std::uint32_t>(parents_.size()));
  index_.emplace(id, node);
  return node;
}

CommitGraph CommitGraph::Builder::build() && {
  CommitGraph graph;
  graph.ids_ = std::move(ids_);
  graph.times_ = std::move(times_);
  graph.offsets_ = std::move(offsets_);
  graph.parents_ = std::move(parents_);
  graph.index_ = std::move(index_);
  // Leave the builder valid (empty) rather than with a moved-from offsets array.
  offsets_ = {0};
  return graph;
}

}  // namespace culprit::vcs
