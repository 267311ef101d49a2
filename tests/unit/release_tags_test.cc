#include "search/release_tags.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace culprit::search {
namespace {

using Tags = std::vector<std::string>;

TEST(ParseReleaseTag, AcceptsReleasesAndPointReleases) {
  EXPECT_EQ(parse_release_tag("v6.1"), (ReleaseVersion{6, 1, 0}));
  EXPECT_EQ(parse_release_tag("v6.1.5"), (ReleaseVersion{6, 1, 5}));
  EXPECT_EQ(parse_release_tag("v3.0"), (ReleaseVersion{3, 0, 0}));
  EXPECT_EQ(parse_release_tag("v2.6.39"), (ReleaseVersion{2, 6, 39}));
  EXPECT_EQ(parse_release_tag("v5.15.120"), (ReleaseVersion{5, 15, 120}));
}

TEST(ParseReleaseTag, RejectsEverythingElse) {
  for (const char* name :
       {"v6.1-rc3", "v6.1.5-foo", "6.1",           "v6",     "v6.",   "v.1",     "v6.1.",
        "v6.1.2.3", "v6.x",       "next-20240101", "v6.1.0", "v06.1", "",        "v",
        "v6..1",    "v6.1 ",      "V6.1",          "v-6.1",  "v+6.1", "v99999.1"}) {
    EXPECT_FALSE(parse_release_tag(name).has_value()) << name;
  }
}

TEST(ParseReleaseTag, OrdersByVersionNotByText) {
  EXPECT_LT(*parse_release_tag("v5.9"), *parse_release_tag("v5.10"));
  EXPECT_LT(*parse_release_tag("v5.10"), *parse_release_tag("v5.10.1"));
  EXPECT_LT(*parse_release_tag("v5.19.17"), *parse_release_tag("v6.0"));
}

Tags range(int major, int newest_minor, int oldest_minor) {
  Tags tags;
  for (int minor = newest_minor; minor >= oldest_minor; --minor) {
    tags.push_back("v" + std::to_string(major) + "." + std::to_string(minor));
  }
  return tags;
}

Tags concat(std::initializer_list<Tags> parts) {
  Tags all;
  for (const Tags& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

TEST(PickReleaseTags, TwentyTwoReleasesGiveElevenPicks) {
  // The reference's example (v6.5 ... v5.4): the 3 newest, every 2nd, then every 3rd, the oldest.
  const Tags tags = concat({range(6, 5, 0), range(5, 19, 4)});
  ASSERT_EQ(tags.size(), 22u);
  EXPECT_EQ(pick_release_tags(tags), (Tags{"v6.5", "v6.4", "v6.3", "v6.1", "v5.19", "v5.17",
                                           "v5.15", "v5.13", "v5.10", "v5.7", "v5.4"}));
}

TEST(PickReleaseTags, LongerWalkBackToV418) {
  const Tags tags = concat({range(6, 5, 0), range(5, 19, 0), range(4, 20, 18)});
  EXPECT_EQ(pick_release_tags(tags),
            (Tags{"v6.5", "v6.4", "v6.3", "v6.1", "v5.19", "v5.17", "v5.15", "v5.13", "v5.10",
                  "v5.7", "v5.4", "v5.1", "v4.19", "v4.18"}));
}

TEST(PickReleaseTags, StableBranchTakesTwoNewestAndTheMiddlePointRelease) {
  Tags tags;
  for (int patch = 10; patch >= 1; --patch) tags.push_back("v5.15." + std::to_string(patch));
  const Tags releases = range(5, 15, 4);
  tags.insert(tags.end(), releases.begin(), releases.end());
  EXPECT_EQ(pick_release_tags(tags), (Tags{"v5.15.10", "v5.15.9", "v5.15.5", "v5.15", "v5.14",
                                           "v5.13", "v5.11", "v5.9", "v5.7", "v5.5", "v5.4"}));
}

TEST(PickReleaseTags, FewPointReleasesHaveNoMiddlePick) {
  const Tags tags{"v6.6.3", "v6.6.2", "v6.6.1", "v6.6", "v6.5"};
  EXPECT_EQ(pick_release_tags(tags), (Tags{"v6.6.3", "v6.6.2", "v6.6", "v6.5"}));
}

TEST(PickReleaseTags, IgnoresOrderDuplicatesRcAndOlderPointReleases) {
  Tags tags{"v6.2-rc1", "v6.1.3", "v6.0",   "v6.1.2", "v5.19",  "v6.1",
            "v6.0.9",   "junk",   "v6.1.1", "v6.1",   "v5.19.2"};
  std::shuffle(tags.begin(), tags.end(), std::mt19937(1));
  // v6.0.9 and v5.19.2 are point releases of branches older than the newest x.y release.
  EXPECT_EQ(pick_release_tags(tags), (Tags{"v6.1.3", "v6.1.2", "v6.1", "v6.0", "v5.19"}));
}

TEST(PickReleaseTags, SmallAndEmptyInputs) {
  EXPECT_TRUE(pick_release_tags({}).empty());
  EXPECT_TRUE(pick_release_tags({"v6.1-rc1", "latest"}).empty());
  EXPECT_EQ(pick_release_tags({"v6.1"}), (Tags{"v6.1"}));
  EXPECT_EQ(pick_release_tags({"v6.1", "v6.0", "v5.19", "v5.18"}),
            (Tags{"v6.1", "v6.0", "v5.19", "v5.18"}));  // the 4th is the oldest
  // Only point releases (no x.y release below them): still the 2 newest and the middle one.
  EXPECT_EQ(pick_release_tags({"v6.1.1", "v6.1.2", "v6.1.3", "v6.1.4", "v6.1.5", "v6.1.6"}),
            (Tags{"v6.1.6", "v6.1.5", "v6.1.3"}));
}

}  // namespace
}  // namespace culprit::search
