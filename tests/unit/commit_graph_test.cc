#include "vcs/commit_graph.h"

#include <gtest/gtest.h>

#include <vector>

namespace culprit::vcs {
namespace {

// A synthetic id that differs from its neighbours only in the last bytes, the worst case for a
// hash that would look at a prefix only.
Oid numbered_oid(std::uint32_t number) {
  Oid oid;
  oid.bytes[16] = static_cast<std::uint8_t>(number >> 24);
  oid.bytes[17] = static_cast<std::uint8_t>(number >> 16);
  oid.bytes[18] = static_cast<std::uint8_t>(number >> 8);
  oid.bytes[19] = static_cast<std::uint8_t>(number);
  return oid;
}

std::vector<CommitGraph::Index> parents_of(const CommitGraph& graph, CommitGraph::Index node) {
  const auto parents = graph.parents(node);
  return {parents.begin(), parents.end()};
}

TEST(OidTest, HexRoundTrips) {
  const std::string hex = "0123456789abcdef0123456789abcdef01234567";
  const std::optional<Oid> oid = Oid::from_hex(hex);
  ASSERT_TRUE(oid.has_value());
  EXPECT_EQ(oid->bytes[0], 0x01);
  EXPECT_EQ(oid->bytes[19], 0x67);
  EXPECT_EQ(oid->hex(), hex);
}

TEST(OidTest, UpperCaseIsReadAndWrittenLowerCase) {
  const std::optional<Oid> oid = Oid::from_hex("ABCDEF0123456789ABCDEF0123456789ABCDEF01");
  ASSERT_TRUE(oid.has_value());
  EXPECT_EQ(oid->hex(), "abcdef0123456789abcdef0123456789abcdef01");
}

TEST(OidTest, RejectsAnythingButFortyHexDigits) {
  EXPECT_FALSE(Oid::from_hex("").has_value());
  EXPECT_FALSE(Oid::from_hex("0123456789abcdef0123456789abcdef0123456").has_value());    // 39
  EXPECT_FALSE(Oid::from_hex("0123456789abcdef0123456789abcdef012345678").has_value());  // 41
  EXPECT_FALSE(Oid::from_hex("0123456789abcdef0123456789abcdef0123456g").has_value());
  EXPECT_FALSE(Oid::from_hex("v1.0").has_value());
}

TEST(OidTest, HashSeparatesIdsThatDifferOnlyAtTheEnd) {
  const OidHash hash;
  EXPECT_NE(hash(numbered_oid(1)), hash(numbered_oid(2)));
  EXPECT_NE(hash(numbered_oid(1)), hash(numbered_oid(256)));
  EXPECT_EQ(hash(numbered_oid(7)), hash(numbered_oid(7)));
}

TEST(CommitGraphBuilderTest, KeepsParentsInTheGraphAndDropsOutsideOnes) {
  // outside <- a <- b <- d (merge of b and c), a <- c
  const Oid outside = numbered_oid(100);
  const Oid a = numbered_oid(1), b = numbered_oid(2), c = numbered_oid(3), d = numbered_oid(4);
  CommitGraph::Builder builder;
  const std::vector<Oid> a_parents = {outside};
  const std::vector<Oid> b_parents = {a};
  const std::vector<Oid> c_parents = {a, outside};
  const std::vector<Oid> d_parents = {b, c};
  EXPECT_EQ(builder.add(a, a_parents, 10), 0u);
  EXPECT_EQ(builder.add(b, b_parents, 20), 1u);
  EXPECT_EQ(builder.add(c, c_parents, 30), 2u);
  EXPECT_EQ(builder.add(d, d_parents, 40), 3u);
  const CommitGraph graph = std::move(builder).build();

  ASSERT_EQ(graph.size(), 4u);
  EXPECT_TRUE(parents_of(graph, 0).empty());
  EXPECT_EQ(parents_of(graph, 1), std::vector<CommitGraph::Index>{0});
  EXPECT_EQ(parents_of(graph, 2), std::vector<CommitGraph::Index>{0});
  EXPECT_EQ(parents_of(graph, 3), (std::vector<CommitGraph::Index>{1, 2}));
  EXPECT_EQ(graph.id(3), d);
  EXPECT_EQ(graph.time(2), 30);
  EXPECT_EQ(graph.find(c), std::optional<CommitGraph::Index>(2));
  EXPECT_EQ(graph.find_hex(b.hex()), std::optional<CommitGraph::Index>(1));
  EXPECT_FALSE(graph.find(outside).has_value());
  EXPECT_FALSE(graph.find_hex("not a hash").has_value());
}

TEST(CommitGraphBuilderTest, ParentNotYetAddedIsDropped) {
  // Adding a child before its parent means the parent was outside at that time.
  const Oid parent = numbered_oid(1), child = numbered_oid(2);
  CommitGraph::Builder builder;
  const std::vector<Oid> child_parents = {parent};
  builder.add(child, child_parents);
  builder.add(parent, {});
  const CommitGraph graph = std::move(builder).build();
  ASSERT_EQ(graph.size(), 2u);
  EXPECT_TRUE(parents_of(graph, 0).empty());
  EXPECT_EQ(graph.find(parent), std::optional<CommitGraph::Index>(1));
}

TEST(CommitGraphBuilderTest, AddingTheSameCommitTwiceKeepsOneNode) {
  const Oid root = numbered_oid(1), tip = numbered_oid(2);
  CommitGraph::Builder builder;
  const std::vector<Oid> tip_parents = {root, root};
  builder.add(root, {});
  EXPECT_EQ(builder.add(tip, tip_parents), 1u);
  EXPECT_EQ(builder.add(tip, tip_parents), 1u);
  const CommitGraph graph = std::move(builder).build();
  ASSERT_EQ(graph.size(), 2u);
  EXPECT_EQ(parents_of(graph, 1), std::vector<CommitGraph::Index>{0});
}

TEST(CommitGraphBuilderTest, IndexedFormDropsParentsThatAreNotEarlier) {
  CommitGraph::Builder builder;
  builder.add_indexed(numbered_oid(1), {});
  const std::vector<CommitGraph::Index> parents = {0, 1, 5};
  builder.add_indexed(numbered_oid(2), parents);
  const CommitGraph graph = std::move(builder).build();
  EXPECT_EQ(parents_of(graph, 1), std::vector<CommitGraph::Index>{0});
}

TEST(CommitGraphBuilderTest, EmptyGraph) {
  const CommitGraph graph = CommitGraph::Builder().build();
  EXPECT_EQ(graph.size(), 0u);
  EXPECT_FALSE(graph.find(numbered_oid(1)).has_value());
}

TEST(CommitGraphBuilderTest, MillionNodesWithMergesAndLookups) {
  // A long first-parent line with a merge of a side commit every 10 nodes.
  constexpr std::uint32_t kNodes = 1'000'000;
  CommitGraph::Builder builder;
  builder.reserve(kNodes, kNodes + kNodes / 10);
  std::vector<CommitGraph::Index> parents;
  for (std::uint32_t i = 0; i < kNodes; ++i) {
    parents.clear();
    if (i >= 1) parents.push_back(i - 1);
    if (i % 10 == 0 && i >= 5) parents.push_back(i - 5);
    EXPECT_EQ(builder.add_indexed(numbered_oid(i), parents, i), i);
  }
  const CommitGraph graph = std::move(builder).build();

  ASSERT_EQ(graph.size(), kNodes);
  EXPECT_TRUE(parents_of(graph, 0).empty());
  EXPECT_EQ(parents_of(graph, 7), std::vector<CommitGraph::Index>{6});
  EXPECT_EQ(parents_of(graph, 500'000), (std::vector<CommitGraph::Index>{499'999, 499'995}));
  EXPECT_EQ(graph.time(123'456), 123'456);
  for (std::uint32_t i : {0u, 1u, 65'536u, 999'999u}) {
    EXPECT_EQ(graph.find(numbered_oid(i)), std::optional<CommitGraph::Index>(i));
  }
  EXPECT_FALSE(graph.find(numbered_oid(kNodes)).has_value());
}

}  // namespace
}  // namespace culprit::vcs
