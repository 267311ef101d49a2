// `culprit bisect --strategy bayes` end to end: the real binary, real git repositories with merges
// and a flaky, seeded test script.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <iostream>
#include <random>

#include <nlohmann/json.hpp>

#include "support/culprit_binary.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using nlohmann::json;

// flaky.sh REPO CULPRIT SEED: where CULPRIT is an ancestor of the commit (or the commit), crashes
// with the bug's title with probability 0.3; on every commit, crashes with another title with
// probability 0.02. The draws come from (SEED, commit, run number), so a trial is reproducible.
const char* kFlakyScript = R"(#!/bin/sh
draw=$(printf '%s %s %s' "$3" "$CULPRIT_COMMIT" "$CULPRIT_RUN" | md5sum)
bug=$(( 0x$(echo "$draw" | cut -c1-6) % 1000 ))
unrelated=$(( 0x$(echo "$draw" | cut -c7-12) % 1000 ))
if [ "$bug" -lt 300 ] && git -C "$1" merge-base --is-ancestor "$2" "$CULPRIT_COMMIT"; then
  echo "planted bug fired"
  exit 1
fi
if [ "$unrelated" -lt 20 ]; then
  echo "unrelated crash"
  exit 2
fi
exit 0
)";

const char* kOracleScript = R"(#!/bin/sh
git -C "$1" merge-base --is-ancestor "$2" "$CULPRIT_COMMIT" && exit 1
exit 0
)";

// At p = 0.3 and f = 0.02 the bayes strategy names the culprit in at least 19 of 20 seeded trials,
// each on its own ~100-commit history with merges and a random culprit.
TEST(NoisySearchTest, BayesFindsTheCulpritOfAFlakyReproducerIn19Of20Trials) {
  TempDir dir;
  const std::string script = dir / "flaky.sh";
  write_file(script, kFlakyScript);
  constexpr int kTrials = 20;
  auto trial = [&](int seed) {
    const std::string repo = dir / ("repo" + std::to_string(seed));
    const History history = make_merge_history(100, static_cast<std::uint32_t>(seed) + 100);
    const std::vector<std::string> hashes = write_history(history, repo);
    std::mt19937 random(static_cast<std::uint32_t>(seed));
    const int culprit = 1 + static_cast<int>(random() % static_cast<unsigned>(history.tip));
    Bisection bisection = run_culprit(
        {"--repo", repo, "--bad", hashes[history.tip], "--good", hashes[0], "--runs", "10",
         "--jobs", "2", "--state", dir / ("s" + std::to_string(seed) + ".db"), "--test",
         "sh " + script + " " + repo + " " + hashes[culprit] + " " + std::to_string(seed)},
        dir / ("r" + std::to_string(seed) + ".json"));
    const bool found = bisection.result.value("culprit", json()) == hashes[culprit];
    if (!found) {
      std::cout << "[ trial " << seed << " ] expected " << hashes[culprit] << ", got "
                << bisection.result.value("culprit", json()).dump() << " ("
                << bisection.result.value("result", json()).dump() << ")\n";
    }
    return found;
  };
  // Two at a time: the machine has two cores.
  int found = 0;
  for (int seed = 0; seed < kTrials; seed += 2) {
    auto other = std::async(std::launch::async, trial, seed + 1);
    found += trial(seed) ? 1 : 0;
    found += other.get() ? 1 : 0;
  }
  std::cout << "[ noisy ] bayes found the culprit in " << found << " of " << kTrials
            << " trials (p = 0.3, f = 0.02)\n";
  EXPECT_GE(found, 19);
}

// The log and the JSON say how sure the answer is; --parallel builds several commits at once.
TEST(NoisySearchTest, ReportsThePosteriorAndTestsSeveralCommitsAtOnce) {
  TempDir dir;
  const std::string script = dir / "oracle.sh";
  write_file(script, kOracleScript);
  const std::string repo = dir / "repo";
  const History history = make_merge_history(80, 5);
  const std::vector<std::string> hashes = write_history(history, repo);
  const std::string culprit = hashes[37];
  Bisection bisection =
      run_culprit({"--repo", repo, "--bad", hashes[history.tip], "--good", hashes[0], "--runs", "1",
                   "--parallel", "3", "--state", dir / "s.db", "--build", "true", "--test",
                   "sh " + script + " " + repo + " " + culprit},
                  dir / "r.json");
  ASSERT_EQ(bisection.output.exit_status, 0) << bisection.output.output;
  const std::string& out = bisection.output.output;
  EXPECT_EQ(bisection.result["culprit"], culprit);
  EXPECT_EQ(bisection.result["strategy"], "bayes");
  EXPECT_GE(bisection.result["confidence"].get<double>(), 0.95);
  ASSERT_FALSE(bisection.result["posterior"].empty());
  EXPECT_EQ(bisection.result["posterior"][0]["commit"], culprit);
  EXPECT_LE(bisection.result["posterior"].size(), 10u);
  EXPECT_NE(out.find("building 3 commits at once"), std::string::npos) << out;
  EXPECT_NE(out.find("confidence "), std::string::npos);
  EXPECT_NE(out.find("top candidates: "), std::string::npos);
  EXPECT_NE(out.find("first bad commit: " + culprit), std::string::npos) << out;
  EXPECT_NE(out.find("# git bisect start"), std::string::npos);

  // A budget stops it early with the best guess, how sure it is, and exit status 3.
  Bisection limited = run_culprit(
      {"--repo", repo, "--bad", hashes[history.tip], "--good", hashes[0], "--runs", "1", "--budget",
       "runs=3", "--state", dir / "b.db", "--test", "sh " + script + " " + repo + " " + culprit},
      dir / "b.json");
  EXPECT_EQ(limited.output.exit_status, 3) << limited.output.output;
  EXPECT_EQ(limited.result["result"], "inconclusive");
  EXPECT_NE(limited.output.output.find("budget spent"), std::string::npos);
  EXPECT_LT(limited.result["confidence"].get<double>(), 0.95);

  CommandOutput bad_budget =
      run_command({CULPRIT_BINARY, "bisect", "--repo", repo, "--bad", hashes[history.tip], "--test",
                   "true", "--budget", "weeks=2", "--state", dir / "c.db"});
  EXPECT_EQ(bad_budget.exit_status, 2);
  EXPECT_NE(bad_budget.output.find("weeks=2"), std::string::npos) << bad_budget.output;
}

}  // namespace
}  // namespace culprit::testing
