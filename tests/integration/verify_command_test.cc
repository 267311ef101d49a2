// End-to-end tests of what `culprit bisect` does after it finds a single culprit: it retests the
// culprit and its parents until --confidence (verify: PASS/FAIL), reverts the culprit on top of the
// start commit and tests that (revert: PASS/FAIL/NOT APPLIED), and, in fix mode, does not take a
// commit whose history never had the bug for a fix. Real binary, real repositories, real commands.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/culprit_binary.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using nlohmann::json;

bool has_flag(const json& result, const std::string& flag) {
  if (!result.contains("flags")) return false;
  std::vector<std::string> flags = result["flags"];
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

bool logged(const Bisection& bisection, const std::string& text) {
  return bisection.output.output.find(text) != std::string::npos;
}

// A crash report on stdout and a failing exit status: what the command backend titles a crash by.
std::string crash_if(const std::string& condition, const std::string& title = "planted crash") {
  return "if " + condition + "; then echo 'BUG: " + title + "'; exit 1; fi; exit 0";
}

class VerifyCommandTest : public ::testing::Test {
 protected:
  // A linear history of `size` commits; commit i adds file f<i>.
  std::vector<std::string> linear(int size) {
    return write_history(make_linear_history(size), dir_ / "repo");
  }
  std::string repo() { return dir_ / "repo"; }
  TempDir dir_;
};

// A right culprit: it crashes, its parent does not, and reverting it on the start commit fixes the
// crash. Both strategies.
TEST_F(VerifyCommandTest, VerifiesARightCulpritAndItsRevertPasses) {
  std::vector<std::string> hashes = linear(12);
  for (const char* strategy : {"bayes", "classic"}) {
    SCOPED_TRACE(strategy);
    Bisection found =
        run_culprit({"--strategy", strategy, "--repo", repo(), "--bad", hashes[11], "--good",
                     hashes[0], "--runs", "2", "--state", dir_ / (std::string(strategy) + ".db"),
                     "--test", crash_if("[ -e f5 ]")},
                    dir_ / (std::string(strategy) + ".json"));
    ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
    EXPECT_EQ(found.result["culprit"], hashes[5]);
    const json& verification = found.result["verification"];
    EXPECT_EQ(verification["result"], "pass") << verification.dump();
    EXPECT_EQ(verification["culprit"]["commit"], hashes[5]);
    EXPECT_GE(verification["culprit"]["crashed_with_title"].get<int>(), 1);
    ASSERT_EQ(verification["parents"].size(), 1u);
    EXPECT_EQ(verification["parents"][0]["commit"], hashes[4]);
    EXPECT_EQ(verification["parents"][0]["crashed_with_title"], 0);
    EXPECT_EQ(verification["revert"]["result"], "pass");
    EXPECT_EQ(verification["revert"]["onto"], hashes[11]);
    EXPECT_TRUE(logged(found, "verifying culprit " + hashes[5] + ": ")) << found.output.output;
    EXPECT_TRUE(logged(found, "crashed with the bug's title"));
    EXPECT_TRUE(logged(found, "verifying parent " + hashes[4] + ": "));
    EXPECT_TRUE(logged(found, "verify: PASS"));
    EXPECT_TRUE(logged(found, "revert: PASS"));
    EXPECT_FALSE(has_flag(found.result, "verify-failed"));
    EXPECT_FALSE(has_flag(found.result, "revert-still-crashes"));
    EXPECT_FALSE(has_flag(found.result, "revert-not-applied"));
    // The revert commit went into the object database only: the user's branch did not move.
    EXPECT_EQ(git(repo(), {"rev-parse", "main"}), hashes[11]);
    EXPECT_EQ(git(repo(), {"status", "--porcelain"}), "");
  }
}

// A reproducer that crashes on every other run: the culprit's crashes and the parent's many clean
// runs still verify it.
TEST_F(VerifyCommandTest, VerifiesAFlakyCulprit) {
  std::vector<std::string> hashes = linear(10);
  Bisection found = run_culprit(
      {"--repo", repo(), "--bad", hashes[9], "--good", hashes[0], "--runs", "4", "--state",
       dir_ / "s.db", "--test", crash_if("[ -e f3 ] && [ $((CULPRIT_RUN % 2)) = 0 ]")},
      dir_ / "r.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[3]);
  EXPECT_EQ(found.result["verification"]["result"], "pass") << found.result["verification"].dump();
  EXPECT_TRUE(logged(found, "verify: PASS"));
  EXPECT_GE(found.result["verification"]["parents"][0]["runs"].get<int>(), 4);
}

// One run per commit misses a bug that shows only from the second run on commits 4..7: classic
// blames commit 8. More runs on its parent show the bug there (verify-failed), and reverting commit
// 8 does not remove it (revert-still-crashes).
TEST_F(VerifyCommandTest, FlagsAWrongCulprit) {
  std::vector<std::string> hashes = linear(12);
  Bisection found =
      run_culprit({"--strategy", "classic", "--repo", repo(), "--bad", hashes[11], "--good",
                   hashes[0], "--runs", "1", "--state", dir_ / "s.db", "--test",
                   crash_if("[ -e f4 ] && { [ -e f8 ] || [ \"$CULPRIT_RUN\" != 0 ]; }")},
                  dir_ / "r.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[8]);
  EXPECT_EQ(found.result["verification"]["result"], "fail");
  EXPECT_EQ(found.result["verification"]["parents"][0]["agrees"], false);
  EXPECT_TRUE(has_flag(found.result, "verify-failed")) << found.result["flags"].dump();
  EXPECT_TRUE(has_flag(found.result, "revert-still-crashes"));
  EXPECT_EQ(found.result["verification"]["revert"]["result"], "fail");
  EXPECT_TRUE(logged(found, "verify: FAIL"));
  EXPECT_TRUE(logged(found, "revert: FAIL"));
  EXPECT_TRUE(logged(found, "the result is unreliable: "));
}

// Crashes with another title on the parent are not the bug: the culprit still verifies, and the
// other crashes are reported as unrelated.
TEST_F(VerifyCommandTest, OtherCrashTitlesOnTheParentDoNotCountAgainstTheCulprit) {
  std::vector<std::string> hashes = linear(10);
  const std::string test = "if [ -e f6 ]; then echo 'BUG: planted crash'; exit 1; fi; " +
                           crash_if("[ -e f5 ] && [ \"$CULPRIT_RUN\" != 0 ]", "other crash");
  Bisection found =
      run_culprit({"--strategy", "classic", "--repo", repo(), "--bad", hashes[9], "--good",
                   hashes[0], "--runs", "1", "--state", dir_ / "s.db", "--test", test},
                  dir_ / "r.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[6]);
  EXPECT_EQ(found.result["verification"]["result"], "pass") << found.output.output;
  EXPECT_TRUE(logged(found, "(not the bug's title)")) << found.output.output;
  EXPECT_FALSE(has_flag(found.result, "verify-failed"));
}

// Commits made with the git command line, editing one line of code.c that the test reads.
class RevertCommandTest : public VerifyCommandTest {
 protected:
  std::string commit(const std::string& file, const std::string& content) {
    write_file(repo() + "/" + file, content);
    git(repo(), {"add", "-A"});
    git(repo(), {"commit", "-q", "-m", "change " + file});
    return git(repo(), {"rev-parse", "HEAD"});
  }
  void SetUp() override {
    std::filesystem::create_directories(repo());
    git(repo(), {"init", "-q", "--initial-branch=main", "."});
  }
};

// The culprit sets level = 1 and a later commit changes the same line: the revert does not apply.
TEST_F(RevertCommandTest, SaysWhenTheRevertDoesNotApply) {
  std::vector<std::string> hashes;
  hashes.push_back(commit("code.c", "level = 0\n"));
  hashes.push_back(commit("a.c", "a\n"));
  hashes.push_back(commit("code.c", "level = 1\n"));  // the culprit
  hashes.push_back(commit("b.c", "b\n"));
  hashes.push_back(commit("code.c", "level = 2\n"));
  hashes.push_back(commit("c.c", "c\n"));
  Bisection found =
      run_culprit({"--repo", repo(), "--bad", hashes[5], "--good", hashes[0], "--runs", "2",
                   "--state", dir_ / "s.db", "--test", crash_if("! grep -q 'level = 0' code.c")},
                  dir_ / "r.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[2]);
  EXPECT_EQ(found.result["verification"]["result"], "pass");
  EXPECT_EQ(found.result["verification"]["revert"]["result"], "not-applied");
  EXPECT_EQ(found.result["verification"]["revert"]["conflicts"], json::array({"code.c"}));
  EXPECT_TRUE(has_flag(found.result, "revert-not-applied"));
  EXPECT_TRUE(logged(found, "revert does not apply on " + hashes[5] + ": conflicts in code.c"))
      << found.output.output;
  EXPECT_TRUE(logged(found, "revert: NOT APPLIED"));
}

// The culprit brings the crash in; a later commit copies its code, so reverting the culprit alone
// leaves the crash: the right culprit, flagged revert-still-crashes.
TEST_F(RevertCommandTest, FlagsACrashThatARevertDoesNotRemove) {
  std::vector<std::string> hashes;
  hashes.push_back(commit("code.c", "safe\n"));
  hashes.push_back(commit("a.c", "a\n"));
  hashes.push_back(commit("feature.c", "crash\n"));  // the culprit
  hashes.push_back(commit("b.c", "b\n"));
  hashes.push_back(commit("copy.c", "crash\n"));  // depends on the culprit's code, copies it
  hashes.push_back(commit("c.c", "c\n"));
  Bisection found =
      run_culprit({"--repo", repo(), "--bad", hashes[5], "--good", hashes[0], "--runs", "2",
                   "--state", dir_ / "s.db", "--test", crash_if("cat *.c | grep -q crash")},
                  dir_ / "r.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[2]);
  EXPECT_EQ(found.result["verification"]["result"], "pass");
  EXPECT_EQ(found.result["verification"]["revert"]["result"], "fail");
  EXPECT_TRUE(has_flag(found.result, "revert-still-crashes"));
  EXPECT_FALSE(has_flag(found.result, "verify-failed"));
  EXPECT_TRUE(logged(found, "revert: FAIL")) << found.output.output;
}

// Fix mode across merges (syzkaller issue 4117): a topic branch forked before the bug came in is
// merged after the start commit. Its commits do not crash, but they fix nothing: the bisection
// must still find the real fix on the mainline, after the merge or before it. Git bisect's first
// pick is the topic's head (its six ancestors are half the range), so taking "no crash" for
// "fixed" would blame the topic.
//
//   m0 - m1 - m2 (bug) - m3 (start) - m4 - M - m5 - m6 - m7 - m8     (fix: m6, or m4)
//          \                              /
//           t1 - t2 - t3 - t4 - t5 - t6 --
class FixAcrossMergesTest : public VerifyCommandTest, public ::testing::WithParamInterface<bool> {};

TEST_P(FixAcrossMergesTest, IgnoresBranchesWithoutTheBug) {
  const bool fix_before_merge = GetParam();
  History history;
  auto add = [&](std::vector<int> parents, const std::string& message) {
    history.commits.push_back({std::move(parents), message, false, ""});
    return static_cast<int>(history.commits.size()) - 1;
  };
  const int m0 = add({}, "m0");
  const int m1 = add({m0}, "m1");
  const int bug = add({m1}, "m2: the bug");
  int topic = m1;
  for (int i = 1; i <= 6; ++i) topic = add({topic}, "t" + std::to_string(i));
  const int start = add({bug}, "m3");
  const int m4 = add({start}, "m4");
  const int merge = add({m4, topic}, "merge topic");
  const int m5 = add({merge}, "m5");
  const int m6 = add({m5}, "m6");
  const int m7 = add({m6}, "m7");
  history.tip = add({m7}, "m8");
  const int fix = fix_before_merge ? m4 : m6;
  const int fix_parent = fix_before_merge ? start : m5;
  std::vector<std::string> hashes = write_history(history, repo());
  const std::string test =
      crash_if("[ -e f" + std::to_string(bug) + " ] && [ ! -e f" + std::to_string(fix) + " ]");
  for (const char* strategy : {"classic", "bayes"}) {
    SCOPED_TRACE(strategy);
    Bisection found =
        run_culprit({"--strategy", strategy, "--mode", "fix", "--repo", repo(), "--bad",
                     hashes[start], "--good", hashes[history.tip], "--runs", "1", "--state",
                     dir_ / (std::string(strategy) + ".db"), "--test", test},
                    dir_ / (std::string(strategy) + ".json"));
    ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
    EXPECT_EQ(found.result["culprit"], hashes[fix]) << found.output.output;
    EXPECT_TRUE(logged(found, "checking the merge base " + hashes[m1])) << found.output.output;
    EXPECT_TRUE(logged(found, "the bug was not introduced yet"));
    EXPECT_EQ(found.result["verification"]["result"], "pass") << found.output.output;
    EXPECT_EQ(found.result["verification"]["parents"][0]["commit"], hashes[fix_parent]);
  }
}

INSTANTIATE_TEST_SUITE_P(FixAfterOrBeforeTheMerge, FixAcrossMergesTest, ::testing::Bool());

}  // namespace
}  // namespace culprit::testing
