// End-to-end tests of `culprit bisect` with the command backend: the real binary on real git
// repositories, with build and test commands run for real.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "support/culprit_binary.h"
#include "support/history.h"
#include "support/test_support.h"

extern char** environ;

namespace culprit::testing {
namespace {

using nlohmann::json;

// A test command that crashes exactly on the commits that have CULPRIT as ancestor-or-self (a
// deterministic reproducer), asking git about the repository at REPO.
const char* kOracleScript = R"(#!/bin/sh
# oracle.sh REPO CULPRIT COMMIT [LOG]
[ -n "$4" ] && echo "run $3 ${CULPRIT_RUN:-?}" >> "$4"
if git -C "$1" merge-base --is-ancestor "$2" "$3"; then
  echo "BUG: planted crash"
  exit 1
fi
exit 0
)";

std::string oracle_test(const std::string& script, const std::string& repo,
                        const std::string& culprit, const std::string& log = "") {
  return "sh " + script + " " + repo + " " + culprit + " \"$CULPRIT_COMMIT\"" +
         (log.empty() ? "" : " " + log);
}

int bisect_steps(const json& result) {
  int steps = 0;
  for (const json& step : result["steps"]) steps += step["phase"] == "bisect";
  return steps;
}

// Number of commits `git bisect run` tests to find `culprit` between `good` and `bad`, in `clone`.
int git_bisect_steps(const std::string& clone, const std::string& oracle, const std::string& repo,
                     const std::string& bad, const std::string& good, const std::string& culprit) {
  std::string counter = clone + "/../counter-" + culprit;
  git(clone, {"bisect", "start", bad, good});
  CommandOutput run = run_command({"git", "-C", clone, "bisect", "run", "sh", "-c",
                                   "echo x >> " + counter + "; sh " + oracle + " " + repo + " " +
                                       culprit + " \"$(git rev-parse HEAD)\""});
  std::string first_bad = culprit.substr(0, 12);
  EXPECT_NE(run.output.find(culprit + " is the first bad commit"), std::string::npos) << run.output;
  git(clone, {"bisect", "reset"});
  std::string lines = read_file(counter);
  return static_cast<int>(std::count(lines.begin(), lines.end(), '\n'));
}

class BisectCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    oracle_ = dir_ / "oracle.sh";
    write_file(oracle_, kOracleScript);
  }
  TempDir dir_;
  std::string oracle_;
};

// For every commit of a 200+-commit history with merges as the culprit, a deterministic test finds
// it, in no more steps in total than `git bisect run` on the same repository and oracle.
TEST_F(BisectCommandTest, FindsEveryCulpritWithNoMoreStepsThanGitBisect) {
  std::string repo = dir_ / "repo";
  History history = make_merge_history(210, 7);
  std::vector<std::string> hashes = write_history(history, repo);
  ASSERT_GE(hashes.size(), 200u);
  const std::string good = hashes[0];
  const std::string bad = hashes[history.tip];
  std::set<std::string> ancestors;
  {
    std::istringstream list(git(repo, {"rev-list", bad, "^" + good}));
    for (std::string hash; list >> hash;) ancestors.insert(hash);
  }
  std::vector<std::string> culprits(ancestors.begin(), ancestors.end());
  ASSERT_GE(culprits.size(), 200u);

  // Two workers (the machine has two cores), each with its own clone for git bisect.
  struct Totals {
    int culprit_steps = 0;
    int git_steps = 0;
    std::vector<std::string> wrong;
  };
  auto worker = [&](int part) {
    Totals totals;
    std::string clone = dir_ / ("clone" + std::to_string(part));
    must_run({"git", "clone", "-q", repo, clone});
    for (std::size_t i = part; i < culprits.size(); i += 2) {
      const std::string& culprit = culprits[i];
      std::string state = dir_ / ("state-" + culprit + ".db");
      Bisection bisection =
          run_culprit({"--strategy", "classic", "--repo", repo, "--bad", bad, "--good", good,
                       "--runs", "1", "--state", state, "--build", "test ! -e broken", "--test",
                       oracle_test(oracle_, repo, culprit)},
                      dir_ / ("result-" + culprit + ".json"));
      if (bisection.output.exit_status != 0 || bisection.result["culprit"] != culprit) {
        totals.wrong.push_back(culprit + ": " + bisection.output.output.substr(0, 2000));
        continue;
      }
      totals.culprit_steps += bisect_steps(bisection.result);
      totals.git_steps += git_bisect_steps(clone, oracle_, repo, bad, good, culprit);
    }
    return totals;
  };
  auto first = std::async(std::launch::async, worker, 0);
  Totals second = worker(1);
  Totals totals = first.get();
  totals.culprit_steps += second.culprit_steps;
  totals.git_steps += second.git_steps;
  totals.wrong.insert(totals.wrong.end(), second.wrong.begin(), second.wrong.end());
  EXPECT_TRUE(totals.wrong.empty()) << totals.wrong.size() << " wrong, first: " << totals.wrong[0];
  std::cout << "[ steps ] culprit " << totals.culprit_steps << ", git bisect run "
            << totals.git_steps << " over " << culprits.size() << " culprits\n";
  EXPECT_LE(totals.culprit_steps, totals.git_steps);
}

// Commits whose build fails are skipped: the culprit is still found when it builds, and the result
// is inconclusive, listing exactly the untestable stretch and the first bad commit, when it does
// not.
TEST_F(BisectCommandTest, SkipsCommitsThatDoNotBuild) {
  std::string repo = dir_ / "repo";
  History history = make_linear_history(40);
  for (int i : {10, 11, 12, 25}) history.commits[i].broken = true;
  std::vector<std::string> hashes = write_history(history, repo);
  auto bisect = [&](int culprit) {
    return run_culprit(
        {"--strategy", "classic", "--repo", repo, "--bad", hashes[39], "--good", hashes[0],
         "--runs", "1", "--state", dir_ / ("s" + std::to_string(culprit) + ".db"), "--build",
         "test ! -e broken", "--test", oracle_test(oracle_, repo, hashes[culprit])},
        dir_ / ("r" + std::to_string(culprit) + ".json"));
  };
  for (int culprit : {9, 14, 24, 27, 30}) {
    Bisection found = bisect(culprit);
    EXPECT_EQ(found.output.exit_status, 0) << found.output.output;
    EXPECT_EQ(found.result["culprit"], hashes[culprit]) << culprit;
  }
  Bisection stuck = bisect(11);
  EXPECT_EQ(stuck.output.exit_status, 3) << stuck.output.output;
  EXPECT_EQ(stuck.result["result"], "inconclusive");
  std::set<std::string> expected = {hashes[10], hashes[11], hashes[12], hashes[13]};
  std::set<std::string> candidates(stuck.result["candidates"].begin(),
                                   stuck.result["candidates"].end());
  EXPECT_EQ(candidates, expected);
  EXPECT_NE(stuck.output.output.find("bisection is inconclusive"), std::string::npos);
  bool skipped = false;
  for (const json& step : stuck.result["steps"]) skipped |= step["verdict"] == "skip";
  EXPECT_TRUE(skipped);
}

// The syzbot-style log lines are printed, in order.
TEST_F(BisectCommandTest, PrintsSyzbotStyleLog) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_linear_history(20), repo);
  std::string log_file = dir_ / "bisect.log";
  Bisection bisection =
      run_culprit({"--strategy", "classic", "--repo", repo, "--bad", hashes[19], "--good",
                   hashes[0], "--runs", "2", "--state", dir_ / "s.db", "--log", log_file, "--test",
                   oracle_test(oracle_, repo, hashes[7])},
                  dir_ / "r.json");
  ASSERT_EQ(bisection.output.exit_status, 0) << bisection.output.output;
  const std::string& out = bisection.output.output;
  std::vector<std::string> expected_in_order = {
      "bisecting cause commit starting from " + hashes[19],
      "testing commit " + hashes[19],
      "all runs: crashed: BUG: planted crash",
      "# git bisect start " + hashes[19] + " " + hashes[0],
      "Bisecting: ",
      "# git bisect ",
      "revisions tested: ",
      "first bad commit: " + hashes[7] + " commit 7",
  };
  std::size_t at = 0;
  for (const std::string& line : expected_in_order) {
    std::size_t found = out.find(line, at);
    ASSERT_NE(found, std::string::npos) << "missing after offset " << at << ": " << line << "\n"
                                        << out;
    at = found + line.size();
  }
  EXPECT_NE(out.find("all runs: OK"), std::string::npos);
  EXPECT_EQ(read_file(log_file), out);
  EXPECT_EQ(bisection.result["result"], "found");
  EXPECT_EQ(bisection.result["runs"].get<int>(), 2 * bisection.result["commits_tested"].get<int>());
  for (const char* field : {"candidates", "flags", "builds", "time", "steps"}) {
    EXPECT_TRUE(bisection.result.contains(field)) << field;
  }
}

// A linear history of 60 commits with release tags (and one -rc and one non-release tag).
History tagged_history() {
  History history = make_linear_history(60);
  history.commits[5].tag = "v1.0";
  history.commits[15].tag = "v1.1";
  history.commits[25].tag = "v1.2";
  history.commits[30].tag = "v2.0-rc1";
  history.commits[35].tag = "v2.0";
  history.commits[45].tag = "v2.0.1";
  history.commits[50].tag = "not-a-release";
  return history;
}

// Release walk, classic: without --good, tags reachable from bad are tried newest first, thinned
// as syzbot does, until one is good.
TEST_F(BisectCommandTest, ClassicWalksBackReleaseTags) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(tagged_history(), repo);
  Bisection found =
      run_culprit({"--repo", repo, "--bad", hashes[59], "--runs", "1", "--strategy", "classic",
                   "--state", dir_ / "a.db", "--test", oracle_test(oracle_, repo, hashes[20])},
                  dir_ / "a.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[20]);
  const std::string& out = found.output.output;
  EXPECT_NE(out.find("picked [v2.0.1 v2.0 v1.2 v1.1 v1.0] out of 5 release tags"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("testing release v1.1"), std::string::npos);
  EXPECT_EQ(out.find("testing release v1.0"), std::string::npos) << "walk must stop at v1.1";
  // The range is narrowed to the last bad release: v1.2 (25) .. v1.1 (15).
  EXPECT_NE(out.find("# git bisect start " + hashes[25] + " " + hashes[15]), std::string::npos);

  // A bug older than every release tag: the horizon.
  Bisection horizon =
      run_culprit({"--repo", repo, "--bad", hashes[59], "--runs", "1", "--strategy", "classic",
                   "--state", dir_ / "b.db", "--test", oracle_test(oracle_, repo, hashes[2])},
                  dir_ / "b.json");
  EXPECT_EQ(horizon.output.exit_status, 3) << horizon.output.output;
  EXPECT_EQ(horizon.result["result"], "horizon");
  EXPECT_TRUE(horizon.result["culprit"].is_null());
}

// bayes chooses among all the release tags by the evidence; the range it hands to the search lies
// between a good tag and the start commit or a tag that crashed, and holds the culprit.
TEST_F(BisectCommandTest, BayesChoosesReleaseTagsByTheEvidence) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(tagged_history(), repo);
  Bisection found = run_culprit({"--repo", repo, "--bad", hashes[59], "--runs", "1", "--state",
                                 dir_ / "a.db", "--test", oracle_test(oracle_, repo, hashes[20])},
                                dir_ / "a.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[20]);
  const std::string& out = found.output.output;
  EXPECT_NE(out.find("choosing among 5 release tags by the evidence"), std::string::npos) << out;
  EXPECT_NE(out.find("good end: release v1."), std::string::npos) << out;
  const std::size_t start = out.find("# git bisect start ");
  ASSERT_NE(start, std::string::npos);
  const std::string range = out.substr(start, out.find('\n', start) - start);
  const bool new_end_ok = range.find(hashes[59]) != std::string::npos ||
                          range.find(hashes[25]) != std::string::npos ||
                          range.find(hashes[35]) != std::string::npos;
  const bool good_end_ok =
      range.find(hashes[15]) != std::string::npos || range.find(hashes[5]) != std::string::npos;
  EXPECT_TRUE(new_end_ok && good_end_ok) << range;

  Bisection horizon = run_culprit({"--repo", repo, "--bad", hashes[59], "--runs", "1", "--state",
                                   dir_ / "b.db", "--test", oracle_test(oracle_, repo, hashes[2])},
                                  dir_ / "b.json");
  EXPECT_EQ(horizon.output.exit_status, 3) << horizon.output.output;
  EXPECT_EQ(horizon.result["result"], "horizon");
  EXPECT_NE(horizon.output.output.find("crash still happens on the oldest tested release v1.0"),
            std::string::npos)
      << horizon.output.output;
}

// With no release tags, bayes gallops back along the first-parent chain: 1, 2, 4, ... commits.
TEST_F(BisectCommandTest, BayesGallopsBackWithoutReleaseTags) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_linear_history(80), repo);
  Bisection found = run_culprit({"--repo", repo, "--bad", hashes[79], "--runs", "1", "--state",
                                 dir_ / "a.db", "--test", oracle_test(oracle_, repo, hashes[50])},
                                dir_ / "a.json");
  ASSERT_EQ(found.output.exit_status, 0) << found.output.output;
  EXPECT_EQ(found.result["culprit"], hashes[50]);
  const std::string& out = found.output.output;
  EXPECT_NE(out.find("no release tags before " + hashes[79].substr(0, 12) +
                     ": looking back 1, 2, 4, ... 79 commits"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("good end: commit " + hashes[79].substr(0, 12) + "~"), std::string::npos)
      << out;

  // classic still asks for --good.
  Bisection classic =
      run_culprit({"--repo", repo, "--bad", hashes[79], "--runs", "1", "--strategy", "classic",
                   "--state", dir_ / "b.db", "--test", oracle_test(oracle_, repo, hashes[50])},
                  dir_ / "b.json");
  EXPECT_EQ(classic.output.exit_status, 1);
  EXPECT_NE(classic.output.output.find("no release tags (vX.Y or vX.Y.Z) before"),
            std::string::npos)
      << classic.output.output;
}

// Fix mode: the first commit where the crash no longer happens.
TEST_F(BisectCommandTest, FindsTheFixingCommit) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_merge_history(80, 3), repo);
  // Crashes on commits that have the bug (ancestor-or-self 3) and not the fix.
  std::string bug = hashes[0];  // present everywhere: "not yet introduced" is issue 6
  std::string fix;
  std::string tip = git(repo, {"rev-parse", "main"});
  std::istringstream first_parents(git(repo, {"rev-list", "--first-parent", "--reverse", "main"}));
  std::vector<std::string> mainline;
  for (std::string hash; first_parents >> hash;) mainline.push_back(hash);
  fix = mainline[mainline.size() * 2 / 3];
  std::string script = dir_ / "fix-oracle.sh";
  write_file(script,
             "#!/bin/sh\n"
             "git -C \"$1\" merge-base --is-ancestor \"$3\" \"$CULPRIT_COMMIT\" && exit 0\n"
             "git -C \"$1\" merge-base --is-ancestor \"$2\" \"$CULPRIT_COMMIT\" && exit 1\n"
             "exit 0\n");
  std::string test = "sh " + script + " " + repo + " " + bug + " " + fix;
  Bisection result = run_culprit({"--repo", repo, "--mode", "fix", "--bad", mainline[5], "--runs",
                                  "1", "--state", dir_ / "f.db", "--test", test},
                                 dir_ / "f.json");
  ASSERT_EQ(result.output.exit_status, 0) << result.output.output;
  EXPECT_EQ(result.result["culprit"], fix);
  EXPECT_NE(result.output.output.find("bisecting fixing commit since " + mainline[5]),
            std::string::npos);
  EXPECT_NE(result.output.output.find("first good commit: " + fix), std::string::npos);

  // Still crashing at HEAD: nothing to find, like syzbot's "crash still not fixed".
  std::string never_fixed = "sh " + script + " " + repo + " " + bug + " " + hashes[0] + "0";
  Bisection unfixed =
      run_culprit({"--repo", repo, "--mode", "fix", "--bad", mainline[5], "--runs", "1", "--state",
                   dir_ / "g.db", "--test", oracle_test(oracle_, repo, bug)},
                  dir_ / "g.json");
  EXPECT_EQ(unfixed.output.exit_status, 3) << unfixed.output.output;
  EXPECT_NE(unfixed.output.output.find("crash still not fixed"), std::string::npos);
  (void)tip;
  (void)never_fixed;
}

// Bad input: one line naming the input, exit status 1 or 2, nothing recorded lost.
TEST_F(BisectCommandTest, RejectsBadInputWithOneLine) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_linear_history(10), repo);
  auto expect_error = [&](std::vector<std::string> args, int status, const std::string& text) {
    args.insert(args.begin(), {CULPRIT_BINARY, "bisect"});
    CommandOutput out = run_command(args);
    EXPECT_EQ(out.exit_status, status) << out.output;
    EXPECT_NE(out.output.find(text), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("terminate called"), std::string::npos) << out.output;
  };
  std::string state = dir_ / "s.db";
  expect_error({"--repo", dir_.path(), "--bad", "HEAD", "--test", "true", "--state", state}, 1,
               "not a git repository: " + dir_.path());
  expect_error({"--repo", repo, "--bad", "v9.9", "--test", "true", "--state", state}, 1,
               "unknown revision: v9.9");
  expect_error(
      {"--repo", repo, "--bad", hashes[3], "--good", hashes[6], "--test", "true", "--state", state},
      1, "is not an ancestor of bad commit");
  expect_error({"--repo", repo, "--bad", hashes[9], "--good", hashes[0], "--runs", "1", "--test",
                "./no-such-test-command", "--state", dir_ / "p.db"},
               1, "--test ./no-such-test-command: no such file in ");
  // A test command that is not there at all (not a path) fails every run as not found.
  expect_error({"--repo", repo, "--bad", hashes[9], "--good", hashes[0], "--runs", "1", "--test",
                "no-such-test-command", "--state", state},
               1, "not found");
  // One line for a bad number, not CLI11's range of doubles.
  expect_error({"--repo", repo, "--bad", hashes[9], "--runs", "0", "--test", "true"}, 2,
               "--runs: must be a whole number of at least 1, not '0'");
  expect_error({"--repo", repo, "--bad", hashes[9], "--good", hashes[9], "--test", "true",
                "--state", dir_ / "same.db"},
               1, "are the same commit");
  expect_error({"--repo", repo, "--bad", hashes[9], "--runs", "0", "--test", "true"}, 2, "--runs");
  expect_error({"--repo", repo, "--bad", hashes[9], "--test"}, 2, "--test");
  // A different job on the same state file.
  expect_error({"--repo", repo, "--bad", hashes[8], "--good", hashes[0], "--runs", "1", "--test",
                "true", "--state", state},
               1, "holds a different job");
  // A hanging test is a crash titled as a hang, not a stuck bisection.
  Bisection hang = run_culprit(
      {"--strategy", "classic", "--repo", repo, "--bad", hashes[9], "--good", hashes[0], "--runs",
       "1", "--state", dir_ / "h.db", "--test-timeout", "1", "--test", "sleep 30"},
      dir_ / "h.json");
  EXPECT_NE(hang.output.output.find("hang"), std::string::npos) << hang.output.output;
  EXPECT_EQ(hang.result["culprit"], hashes[1]);
}

// kill -9 in the middle of a bisection, then the same command again: same answer, and nothing that
// was recorded is built or run again.
TEST_F(BisectCommandTest, ResumesAfterKill) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_merge_history(60, 11), repo);
  std::string bad = git(repo, {"rev-parse", "main"});
  std::string culprit = hashes[23];
  std::string runs_log = dir_ / "runs.log";
  std::string builds_log = dir_ / "builds.log";
  std::string state = dir_ / "state.db";
  std::vector<std::string> args = {
      CULPRIT_BINARY, "bisect",
      "--repo",       repo,
      "--bad",        bad,
      "--good",       hashes[0],
      "--runs",       "3",
      "--state",      state,
      "--json",       dir_ / "resume.json",
      "--build",      "echo \"$CULPRIT_COMMIT\" >> " + builds_log,
      "--test",       "sleep 0.2; " + oracle_test(oracle_, repo, culprit, runs_log)};

  pid_t pid = spawn_in_background(args);
  ASSERT_GT(pid, 0);
  // Wait for a few recorded runs, then kill it without warning.
  for (int i = 0; i < 600; ++i) {
    std::string runs = read_file(runs_log);
    if (std::count(runs.begin(), runs.end(), '\n') >= 8) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the bisection finished before it could be killed";

  // What the store holds now.
  std::set<std::pair<std::string, int>> recorded_runs;  // (tree, run index)
  std::set<std::string> complete_trees;
  {
    auto store = store::Store::open(state);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto jobs = store->jobs();
    ASSERT_TRUE(jobs.ok());
    ASSERT_EQ(jobs->size(), 1u);
    for (const std::string& hash : hashes) {
      std::string tree = git(repo, {"rev-parse", hash + "^{tree}"});
      auto runs = store->runs(jobs->front().id, tree);
      ASSERT_TRUE(runs.ok());
      for (const auto& run : *runs) recorded_runs.insert({tree, run.index});
      if (runs->size() == 3) complete_trees.insert(tree);
    }
  }
  ASSERT_FALSE(recorded_runs.empty());
  std::string builds_logged = read_file(builds_log);
  std::size_t builds_before = std::count(builds_logged.begin(), builds_logged.end(), '\n');
  std::string runs_before = read_file(runs_log);

  CommandOutput again = run_command(args);
  ASSERT_EQ(again.exit_status, 0) << again.output;
  EXPECT_NE(again.output.find("resuming job"), std::string::npos);
  json result = json::parse(read_file(dir_ / "resume.json"));
  EXPECT_EQ(result["culprit"], culprit);

  // Runs and builds of the second invocation.
  std::string runs_after = read_file(runs_log).substr(runs_before.size());
  std::istringstream lines(runs_after);
  std::string word, commit;
  int index = 0;
  while (lines >> word >> commit >> index) {
    std::string tree = git(repo, {"rev-parse", commit + "^{tree}"});
    EXPECT_FALSE(recorded_runs.count({tree, index})) << "re-ran a recorded run: " << commit;
  }
  std::string builds_all = read_file(builds_log);
  std::istringstream built_after(builds_all);
  std::size_t line_no = 0;
  for (std::string hash; built_after >> hash; ++line_no) {
    if (line_no < builds_before) continue;
    std::string tree = git(repo, {"rev-parse", hash + "^{tree}"});
    EXPECT_FALSE(complete_trees.count(tree)) << "rebuilt a fully tested commit: " << hash;
  }
}

// Commits with the same tree (here: empty commits) are one build and share their runs.
TEST_F(BisectCommandTest, SharesBuildsAndRunsBetweenCommitsWithTheSameTree) {
  std::string repo = dir_ / "repo";
  std::filesystem::create_directories(repo);
  git(repo, {"init", "-q", "."});
  std::vector<std::string> hashes;
  for (int i = 0; i < 16; ++i) {
    if (i % 4 == 0 || i == 9) write_file(repo + "/code", "version " + std::to_string(i) + "\n");
    if (i == 9) write_file(repo + "/bug", "planted\n");
    git(repo, {"add", "-A"});
    git(repo, {"commit", "-q", "--allow-empty", "-m", "commit " + std::to_string(i)});
    hashes.push_back(git(repo, {"rev-parse", "HEAD"}));
  }
  std::string builds_log = dir_ / "builds.log";
  std::string runs_log = dir_ / "runs.log";
  Bisection result = run_culprit(
      {"--strategy", "classic", "--repo", repo, "--bad", hashes[15], "--good", hashes[0], "--runs",
       "2", "--state", dir_ / "s.db", "--build", "echo \"$CULPRIT_COMMIT\" >> " + builds_log,
       "--test", "echo \"$CULPRIT_COMMIT\" >> " + runs_log + "; test ! -e bug"},
      dir_ / "r.json");
  ASSERT_EQ(result.output.exit_status, 0) << result.output.output;
  EXPECT_EQ(result.result["culprit"], hashes[9]);
  // Every tested commit ran (or shared) two runs, but each tree was built and run only once; the
  // culprit's verification and revert check add batches of new runs, one step each.
  std::set<std::string> trees, searched_trees;
  std::size_t checking_runs = 0, searched_steps = 0;
  for (const json& step : result.result["steps"]) {
    std::string tree = git(repo, {"rev-parse", step["commit"].get<std::string>() + "^{tree}"});
    trees.insert(tree);
    if (step["phase"] == "verify" || step["phase"] == "revert") {
      checking_runs += step["runs"].size();
    } else {
      searched_trees.insert(tree);
      ++searched_steps;
    }
  }
  std::string builds = read_file(builds_log);
  std::string runs = read_file(runs_log);
  EXPECT_EQ(static_cast<std::size_t>(std::count(builds.begin(), builds.end(), '\n')), trees.size());
  EXPECT_EQ(static_cast<std::size_t>(std::count(runs.begin(), runs.end(), '\n')),
            2 * searched_trees.size() + checking_runs);
  EXPECT_LT(searched_trees.size(), searched_steps) << "no two tested commits shared a tree";
}

// A crashed run whose console holds a kernel crash report is titled by the report parser.
TEST_F(BisectCommandTest, TitlesCrashesFromTheConsoleReport) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_linear_history(12), repo);
  std::string console = dir_ / "console.txt";
  write_file(console,
             "[   10.1] ------------[ cut here ]------------\n"
             "[   10.2] WARNING: CPU: 0 PID: 1 at drivers/demo/demo.c:42 demo_ioctl+0x1a/0x30\n"
             "[   10.3] Modules linked in:\n"
             "[   10.4] CPU: 0 PID: 1 Comm: repro Not tainted 6.1.0 #1\n"
             "[   10.5] RIP: 0010:demo_ioctl+0x1a/0x30\n"
             "[   10.6] Call Trace:\n"
             "[   10.7]  <TASK>\n"
             "[   10.8]  __x64_sys_ioctl+0x8b/0xc0\n"
             "[   10.9]  do_syscall_64+0x3a/0x90\n"
             "[   11.0]  </TASK>\n"
             "[   11.1] ---[ end trace 0000000000000000 ]---\n");
  Bisection result = run_culprit(
      {"--repo", repo, "--bad", hashes[11], "--good", hashes[0], "--runs", "1", "--state",
       dir_ / "s.db", "--test",
       oracle_test(oracle_, repo, hashes[6]) + " >/dev/null || { cat " + console + "; exit 1; }"},
      dir_ / "r.json");
  ASSERT_EQ(result.output.exit_status, 0) << result.output.output;
  EXPECT_EQ(result.result["culprit"], hashes[6]);
  EXPECT_NE(result.output.output.find("all runs: crashed: WARNING in demo_ioctl"),
            std::string::npos)
      << result.output.output;
  EXPECT_EQ(result.result["steps"][0]["runs"][0]["title"], "WARNING in demo_ioctl");
}

// A culprit that only touches documentation is flagged, and its trailers say whom to tell.
TEST_F(BisectCommandTest, FlagsDoubtfulCulpritsAndListsRecipients) {
  std::string repo = dir_ / "repo";
  std::filesystem::create_directories(repo);
  git(repo, {"init", "-q", "."});
  std::vector<std::string> hashes;
  for (int i = 0; i < 8; ++i) {
    std::string message = "commit " + std::to_string(i);
    if (i == 5) {
      write_file(repo + "/Documentation/notes.rst", "Notes\n=====\n");
      message +=
          "\n\nSigned-off-by: Dev One <Dev.One@Example.org>\n"
          "Reviewed-by: Rae Viewer <rae@example.org>\n"
          "Cc: stable@vger.kernel.org\nCc: Someone <someone@example.org>\n";
    } else {
      write_file(repo + "/code.c", "int version = " + std::to_string(i) + ";\n");
    }
    git(repo, {"add", "-A"});
    git(repo, {"commit", "-q", "-m", message});
    hashes.push_back(git(repo, {"rev-parse", "HEAD"}));
  }
  Bisection result =
      run_culprit({"--repo", repo, "--bad", hashes[7], "--good", hashes[0], "--runs", "1",
                   "--state", dir_ / "s.db", "--test", "test ! -e Documentation/notes.rst"},
                  dir_ / "r.json");
  ASSERT_EQ(result.output.exit_status, 0) << result.output.output;
  EXPECT_EQ(result.result["culprit"], hashes[5]);
  std::vector<std::string> flags = result.result["flags"];
  EXPECT_NE(std::find(flags.begin(), flags.end(), "docs-only"), flags.end());
  std::vector<std::string> to = result.result["recipients"]["to"];
  std::vector<std::string> expected_to = {"dev.one@example.org", "rae@example.org",
                                          "test@culprit.invalid"};
  EXPECT_EQ(to, expected_to);
  EXPECT_NE(result.output.output.find("the result is unreliable: docs-only"), std::string::npos)
      << result.output.output;
  EXPECT_NE(
      result.output.output.find("recipients (to): [\"dev.one@example.org\" \"rae@example.org\" "
                                "\"test@culprit.invalid\"]"),
      std::string::npos);
}

// `culprit bisect --strategy classic --runs 1` from commit 7 back to commit 0 of an 8-commit
// history, in the test folder, with a build that makes `artifact` and a test: the two tests below
// differ only in those and where the state goes.
CommandOutput bisect_with_artifact(const std::string& repo, const std::vector<std::string>& hashes,
                                   const std::string& state, const std::string& artifact,
                                   const std::string& build, const std::string& test,
                                   const std::string& dir) {
  return run_command(
      {CULPRIT_BINARY, "bisect", "--strategy", "classic", "--repo", repo,      "--bad",
       hashes[7],      "--good", hashes[0],    "--runs",  "1",      "--state", state,
       "--artifact",   artifact, "--build",    build,     "--test", test},
      dir);
}

// With a relative --state, the paths handed to commands (CULPRIT_ARTIFACT, CULPRIT_CHECKOUT) still
// resolve from inside the checkout, where the commands run.
TEST_F(BisectCommandTest, PassesAbsolutePathsWithARelativeStateFile) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_linear_history(8), repo);
  CommandOutput out = bisect_with_artifact(
      repo, hashes, "relative.db", "built", "echo ok > built",
      "test -f \"$CULPRIT_ARTIFACT\" && test -d \"$CULPRIT_CHECKOUT\" || exit 125; " +
          oracle_test(oracle_, repo, hashes[4]),
      dir_.path());
  EXPECT_EQ(out.exit_status, 0) << out.output;
  EXPECT_NE(out.output.find("first bad commit: " + hashes[4]), std::string::npos) << out.output;
}

// `--test './app --selftest'` with `--artifact app`: the test is the build's output, which exists
// only in a built checkout, so it is not refused for being missing where the command was typed.
TEST_F(BisectCommandTest, RunsATestThatIsTheBuildsArtifact) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_linear_history(8), repo);
  CommandOutput out = bisect_with_artifact(
      repo, hashes, dir_ / "a.db", "app",
      "printf '#!/bin/sh\\nif [ -e f4 ]; then exit 1; fi\\n' > app && chmod +x app",
      "./app --selftest", dir_.path());
  EXPECT_EQ(out.exit_status, 0) << out.output;
  EXPECT_NE(out.output.find("first bad commit: " + hashes[4]), std::string::npos) << out.output;
  // Another missing ./path is still an error naming it.
  CommandOutput missing = run_command(
      {CULPRIT_BINARY, "bisect", "--repo", repo, "--bad", hashes[7], "--good", hashes[0], "--state",
       dir_ / "b.db", "--artifact", "app", "--test", "./other --selftest"},
      dir_.path());
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_NE(missing.output.find("--test ./other: no such file in"), std::string::npos)
      << missing.output;
}

// Ctrl-C (SIGINT) stops the bisection and the test it was running, whose process group the
// terminal's signal does not reach by itself.
TEST_F(BisectCommandTest, InterruptKillsRunningTests) {
  std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = write_history(make_linear_history(5), repo);
  std::string marker = dir_ / "started";
  std::string pid_file = dir_ / "test.pid";
  std::vector<std::string> args = {
      CULPRIT_BINARY, "bisect",
      "--repo",       repo,
      "--bad",        hashes[4],
      "--good",       hashes[0],
      "--runs",       "1",
      "--state",      dir_ / "s.db",
      "--test",       "echo $$ > " + pid_file + "; touch " + marker + "; exec sleep 60"};
  pid_t pid = spawn_in_background(args);
  ASSERT_GT(pid, 0);
  for (int i = 0; i < 600 && !std::filesystem::exists(marker); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(std::filesystem::exists(marker));
  pid_t test_pid = std::stoi(read_file(pid_file));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  // The test's sleep is gone (it was killed, and reaped by init once orphaned).
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = kill(test_pid, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone) << "test process " << test_pid << " still running";
}

}  // namespace
}  // namespace culprit::testing
