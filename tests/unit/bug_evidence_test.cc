// The evidence rules shared by the strategies and the job (search/bug_evidence.h): the bug's
// titles, what matches them, and the single-commit presence model the job's checks use.
#include <gtest/gtest.h>

#include <cmath>

#include "search/bug_evidence.h"

namespace culprit::search {
namespace {

RunSummary crash(std::string title, std::vector<std::string> alt = {}) {
  return {RunOutcome::crashed, std::move(title), "", std::move(alt)};
}
RunSummary ok() {
  return {RunOutcome::ok, "", "", {}};
}

TEST(BugEvidenceTest, TitlesAreTheStartCommitsFrequentCrashes) {
  // "lockdep" 3 times, its alternative name with it; "WARNING" once: at most half as often as the
  // most frequent, so an unrelated crash met on the way.
  std::vector<RunSummary> runs = {crash("possible deadlock in f", {"possible deadlock in g"}),
                                  crash("possible deadlock in f", {"possible deadlock in g"}),
                                  crash("possible deadlock in f"),
                                  crash("WARNING in h"),
                                  ok(),
                                  {RunOutcome::cannot_test, "boot failure", "", {}}};
  EXPECT_EQ(bug_titles_from(runs), (BugTitles{"possible deadlock in f", "possible deadlock in g"}));
  // Two titles seen equally often are both the bug's.
  EXPECT_EQ(bug_titles_from(std::vector<RunSummary>{crash("a"), crash("b")}),
            (BugTitles{"a", "b"}));
  EXPECT_TRUE(bug_titles_from(std::vector<RunSummary>{ok(), ok()}).empty());
}

TEST(BugEvidenceTest, TitlesAreAmbiguousUntilOneLeadsClearly) {
  const std::string bug = "KASAN: use-after-free in f", other = "WARNING in g";
  // A crash or two: the bug's or an unrelated one?
  EXPECT_TRUE(bug_titles_ambiguous(std::vector<RunSummary>{crash(bug), crash(bug), ok()}));
  EXPECT_FALSE(bug_titles_ambiguous(std::vector<RunSummary>{ok(), ok()}));
  // Three of one title, none of another: clear; with one other seen once: still clear (3 > 3x1 is
  // false). Four and two: the other title is left out (4 > 2x2 is false) but too close (3x2 > 4).
  EXPECT_FALSE(bug_titles_ambiguous(std::vector<RunSummary>{crash(bug), crash(bug), crash(bug)}));
  EXPECT_FALSE(bug_titles_ambiguous(
      std::vector<RunSummary>{crash(bug), crash(bug), crash(bug), crash(other)}));
  EXPECT_TRUE(bug_titles_ambiguous(std::vector<RunSummary>{
      crash(bug), crash(bug), crash(bug), crash(bug), crash(other), crash(other)}));
  // Three and two: both would be taken (2 > 3 / 2), but a title taken must be seen three times
  // too: with a rare reproducer an unrelated crash seen twice next to the bug's three is as likely
  // as a second title of the bug. Three and three: two titles of the bug, clear.
  EXPECT_TRUE(bug_titles_ambiguous(
      std::vector<RunSummary>{crash(bug), crash(bug), crash(bug), crash(other), crash(other)}));
  EXPECT_FALSE(bug_titles_ambiguous(std::vector<RunSummary>{
      crash(bug), crash(bug), crash(bug), crash(other), crash(other), crash(other)}));
  // An alternative title of the bug's crash is counted with it: clear.
  EXPECT_FALSE(bug_titles_ambiguous(std::vector<RunSummary>{
      crash(bug), crash(bug), crash(bug), crash("KASAN: slab-use-after-free in f", {bug})}));
}

TEST(BugEvidenceTest, MatchingUsesAlternativeTitles) {
  const BugTitles titles = {"KASAN: use-after-free Read in f"};
  EXPECT_TRUE(matches_bug(titles, crash("KASAN: use-after-free Read in f")));
  EXPECT_TRUE(matches_bug(
      titles, crash("KASAN: slab-use-after-free Read in f", {"KASAN: use-after-free Read in f"})));
  EXPECT_FALSE(matches_bug(titles, crash("WARNING in g")));
  EXPECT_FALSE(matches_bug(titles, ok()));
  // No known titles: any crash shows the bug, nothing else does.
  EXPECT_TRUE(matches_bug({}, crash("anything")));
  EXPECT_FALSE(matches_bug({}, ok()));
}

TEST(BugEvidenceTest, TallyCountsOnlyRunsThatTestedSomething) {
  const BugTitles titles = {"t"};
  std::vector<RunSummary> runs = {crash("t"),
                                  crash("other"),
                                  ok(),
                                  {RunOutcome::cannot_test, "", "", {}},
                                  {RunOutcome::infra_error, "", "", {}}};
  RunTally counted = tally(titles, runs);
  EXPECT_EQ(counted.runs, 3);
  EXPECT_EQ(counted.matching, 1);
}

TEST(BugEvidenceTest, ReproRateIsCappedByTheStartCommitAndClamped) {
  // 1 of 10 runs at the start: Laplace's (1+1)/(10+2) caps an optimistic estimate.
  EXPECT_DOUBLE_EQ(presence_repro_rate(0.9, {10, 1}), 2.0 / 12.0);
  EXPECT_DOUBLE_EQ(presence_repro_rate(0.1, {10, 9}), 0.1);
  EXPECT_DOUBLE_EQ(presence_repro_rate(0.001, {10, 1}), 0.05);
  EXPECT_DOUBLE_EQ(presence_repro_rate(1.0, {1000, 1000}), 0.99);
}

// Against the two-hypothesis Bayes rule written out run by run.
TEST(BugEvidenceTest, PresenceIsTheTwoHypothesisPosterior) {
  for (double p : {0.05, 0.3, 0.9}) {
    for (int n = 0; n <= 12; ++n) {
      for (int k = 0; k <= n; ++k) {
        double present = 1, absent = 1;
        for (int i = 0; i < n; ++i) {
          const bool matching = i < k;
          present *= matching ? p : 1 - p;
          absent *= matching ? kLookalikeRate : 1 - kLookalikeRate;
        }
        BugPresence presence = bug_presence({n, k}, p);
        EXPECT_NEAR(presence.probability, present / (present + absent), 1e-9)
            << "p=" << p << " n=" << n << " k=" << k;
        EXPECT_NEAR(presence.miss, k > 0 ? 0 : std::pow(1 - p, n), 1e-12);
        EXPECT_EQ(presence.runs, n);
        EXPECT_EQ(presence.matching, k);
      }
    }
  }
  // No runs: even odds.
  EXPECT_DOUBLE_EQ(bug_presence({0, 0}, 0.5).probability, 0.5);
}

}  // namespace
}  // namespace culprit::search
