// End-to-end tests of `culprit show --mail`, `--kcidb` and `--git-bisect-log`: the real binary on
// state files written by real `culprit bisect` runs. The KCIDB output is validated against
// docs/kcidb-schema.json with Debian's python3-jsonschema (run as /usr/bin/python3, not whatever
// python3 is first on PATH), and the exported log is replayed with real git.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/culprit_binary.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using nlohmann::json;

CommandOutput culprit(const std::vector<std::string>& args) {
  return run_culprit_command(args);
}

// Crashes on the commits that have CULPRIT as ancestor-or-self, and even there only in about one
// run of three (a fixed pseudo-random choice per commit and run): a flaky reproducer whose small
// batches often miss the bug.
const char* kFlakyOracle = R"(#!/bin/sh
# flaky.sh REPO CULPRIT COMMIT
if git -C "$1" merge-base --is-ancestor "$2" "$3"; then
  n=$(printf '%s %s' "$3" "$CULPRIT_RUN" | cksum | cut -d' ' -f1)
  if [ $((n % 3)) -eq 0 ]; then echo "BUG: planted crash"; exit 1; fi
fi
exit 0
)";

// Checks a document against a JSON Schema (draft 7) with python3-jsonschema; prints the errors.
const char* kValidator = R"(
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
document = json.load(open(sys.argv[2]))
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errors = list(validator.iter_errors(document))
for error in errors[:10]:
    print(list(error.absolute_path), error.message[:300])
sys.exit(1 if errors else 0)
)";

CommandOutput validate_kcidb(const std::string& document) {
  return run_command({"/usr/bin/python3", "-c", kValidator,
                      std::string(CULPRIT_SOURCE_DIR) + "/docs/kcidb-schema.json", document});
}

class ShowFormatsTest : public ::testing::Test {
 protected:
  std::string bisect(const std::vector<std::string>& extra, const std::string& name) {
    std::vector<std::string> args = {"bisect", "--state", dir_ / (name + ".db"), "--json",
                                     dir_ / (name + ".json")};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandOutput run = culprit(args);
    EXPECT_TRUE(run.exit_status == 0 || run.exit_status == 3) << run.output;
    return dir_ / (name + ".db");
  }
  json result(const std::string& name) { return json::parse(read_file(dir_ / (name + ".json"))); }

  // A straight history of `size` commits; commit `bug` plants the file the test command detects.
  std::vector<std::string> linear_repo(const std::string& repo, int size, int bug,
                                       const std::set<int>& broken = {}) {
    git(dir_.path(), {"init", "-q", repo});
    std::vector<std::string> hashes;
    for (int i = 0; i < size; ++i) {
      write_file(repo + "/file" + std::to_string(i), std::to_string(i) + "\n");
      if (i == bug) write_file(repo + "/bug", "planted\n");
      if (broken.count(i) > 0) write_file(repo + "/broken", "\n");
      if (broken.count(i) == 0 && broken.count(i - 1) > 0) git(repo, {"rm", "-q", "broken"});
      git(repo, {"add", "-A"});
      git(repo,
          {"commit", "-q", "-m", "commit " + std::to_string(i) + ": change " + std::to_string(i)});
      hashes.push_back(git(repo, {"rev-parse", "HEAD"}));
    }
    return hashes;
  }

  TempDir dir_;
};

const char* kPlantedTest = "if [ -e bug ]; then echo 'BUG: planted crash'; exit 1; fi";

TEST_F(ShowFormatsTest, MailForAFoundCulprit) {
  const std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = linear_repo(repo, 12, 7);
  const std::string state =
      bisect({"--repo", repo, "--bad", hashes.back(), "--good", hashes.front(), "--runs", "2",
              "--test", kPlantedTest, "--reported-by", "Rita Reporter <rita@example.org>",
              "--closes", "https://bugs.example.org/7"},
             "found");
  ASSERT_EQ(result("found")["culprit"], hashes[7]);
  CommandOutput mail = culprit({"show", "--state", state, "--mail", "--from", "Me <me@x.org>"});
  ASSERT_EQ(mail.exit_status, 0) << mail.output;
  EXPECT_EQ(mail.output.rfind("From: Me <me@x.org>\n", 0), 0u) << mail.output;
  EXPECT_TRUE(contains(mail.output, "\nSubject: [culprit] bisected: BUG: planted crash\n"));
  EXPECT_TRUE(contains(mail.output, "\nTo: test@culprit.invalid\n")) << mail.output;
  const std::string fixes = "Fixes: " + git(repo, {"-c", "core.abbrev=12", "log", "-1",
                                                   "--format=%h (\"%s\")", hashes[7]});
  EXPECT_TRUE(contains(mail.output, "\n" + fixes +
                                        "\nReported-by: Rita Reporter <rita@example.org>\n"
                                        "Closes: https://bugs.example.org/7\n"))
      << mail.output;
  EXPECT_TRUE(contains(mail.output, "Verify: PASS.")) << mail.output;
  EXPECT_TRUE(contains(mail.output, "\nfirst bad commit: " + hashes[7])) << mail.output;

  // The formats exclude each other and --json: a usage error, as before.
  EXPECT_EQ(culprit({"show", "--state", state, "--mail", "--json"}).exit_status, 2);
  EXPECT_EQ(culprit({"show", "--state", state, "--mail", "--kcidb"}).exit_status, 2);
  // A repository that is gone is named.
  CommandOutput moved = culprit({"show", "--state", state, "--mail", "--repo", dir_ / "nowhere"});
  EXPECT_EQ(moved.exit_status, 1);
  EXPECT_TRUE(contains(moved.output, "nowhere")) << moved.output;
}

TEST_F(ShowFormatsTest, MailForAnInconclusiveResult) {
  const std::string repo = dir_ / "repo";
  std::vector<std::string> hashes = linear_repo(repo, 30, 11, {10, 11, 12});
  const std::string state =
      bisect({"--strategy", "classic", "--repo", repo, "--bad", hashes.back(), "--good",
              hashes.front(), "--runs", "1", "--build", "test ! -e broken", "--test", kPlantedTest},
             "inconclusive");
  const json answer = result("inconclusive");
  ASSERT_EQ(answer["result"], "inconclusive") << answer.dump();
  CommandOutput mail = culprit({"show", "--state", state, "--mail"});
  ASSERT_EQ(mail.exit_status, 0) << mail.output;
  EXPECT_TRUE(contains(mail.output, "\nSubject: [culprit] inconclusive bisection: BUG: planted"));
  EXPECT_TRUE(contains(mail.output, "could not narrow this issue down to one commit"));
  for (const json& candidate : answer["candidates"]) {
    EXPECT_TRUE(contains(mail.output, "\n  " + candidate.get<std::string>().substr(0, 12) + " "))
        << candidate << "\n"
        << mail.output;
  }
  EXPECT_FALSE(contains(mail.output, "Fixes:")) << mail.output;
}

// The bug needs two changes made on different branches: the merge that joins them is the
// culprit, and a merge culprit is unreliable.
TEST_F(ShowFormatsTest, MailForAnUnreliableResult) {
  const std::string repo = dir_ / "repo";
  git(dir_.path(), {"init", "-q", "-b", "main", repo});
  auto commit = [&](const std::string& file) {
    write_file(repo + "/" + file, file + "\n");
    git(repo, {"add", "-A"});
    git(repo, {"commit", "-q", "-m", "add " + file});
    return git(repo, {"rev-parse", "HEAD"});
  };
  const std::string good = commit("base");
  commit("one");
  git(repo, {"checkout", "-q", "-b", "side"});
  commit("half-a");
  commit("side-more");
  git(repo, {"checkout", "-q", "main"});
  commit("half-b");
  git(repo, {"merge", "-q", "--no-ff", "-m", "Merge branch side", "side"});
  const std::string merge = git(repo, {"rev-parse", "HEAD"});
  const std::string bad = commit("later");
  const std::string state =
      bisect({"--repo", repo, "--bad", bad, "--good", good, "--runs", "2", "--test",
              "if [ -e half-a ] && [ -e half-b ]; then echo 'BUG: planted crash'; exit 1; fi"},
             "merge");
  const json answer = result("merge");
  ASSERT_EQ(answer["culprit"], merge) << answer.dump();
  ASSERT_NE(std::find(answer["flags"].begin(), answer["flags"].end(), "merge"),
            answer["flags"].end());
  CommandOutput mail = culprit({"show", "--state", state, "--mail"});
  ASSERT_EQ(mail.exit_status, 0) << mail.output;
  EXPECT_TRUE(contains(mail.output, "\nSubject: [culprit] unreliable bisection: BUG: planted"));
  std::string prose;  // unwrapped
  std::istringstream lines(mail.output);
  for (std::string line; std::getline(lines, line);) prose += line + " ";
  EXPECT_TRUE(contains(prose, "The result is unreliable: the culprit is a merge commit"))
      << mail.output;
  EXPECT_TRUE(contains(mail.output, "If the culprit is confirmed")) << mail.output;
}

TEST_F(ShowFormatsTest, KcidbFileMatchesTheSchema) {
  const std::string repo = dir_ / "repo";
  History history = make_merge_history(60, 3);
  std::vector<std::string> hashes = write_history(history, repo);
  const std::string planted = hashes[history.tip - 12];
  write_file(dir_ / "flaky.sh", kFlakyOracle);
  const std::string state = bisect(
      {"--repo", repo, "--bad", hashes[history.tip], "--good", hashes[0], "--runs", "4", "--test",
       "sh " + (dir_ / "flaky.sh") + " " + repo + " " + planted + " \"$CULPRIT_COMMIT\""},
      "kcidb");
  const json answer = result("kcidb");
  CommandOutput out = culprit({"show", "--state", state, "--kcidb"});
  ASSERT_EQ(out.exit_status, 0) << out.output;
  write_file(dir_ / "kcidb.json", out.output);
  CommandOutput valid = validate_kcidb(dir_ / "kcidb.json");
  EXPECT_EQ(valid.exit_status, 0) << valid.output;

  const json report = json::parse(out.output);
  std::set<std::string> tested;
  for (const json& step : answer["steps"]) tested.insert(step["commit"].get<std::string>());
  std::set<std::string> checked_out;
  for (const json& checkout : report["checkouts"]) {
    checked_out.insert(checkout["git_commit_hash"].get<std::string>());
    if (checkout["git_commit_hash"] == answer["culprit"]) {
      EXPECT_EQ(checkout["misc"]["result"]["role"], "culprit") << checkout.dump();
    }
  }
  EXPECT_EQ(checked_out, tested);
  int crashed = 0;
  for (const json& step : answer["steps"]) {
    for (const json& run : step["runs"]) crashed += run["outcome"] == "crashed";
  }
  int failed = 0;
  for (const json& test : report["tests"]) failed += test["status"] == "FAIL";
  EXPECT_GT(failed, 0);
  EXPECT_LE(failed, crashed);  // a tree's recorded runs are shared by the steps that replay them

  // The validator does check: a build without its origin fails.
  json broken = report;
  broken["builds"][0].erase("origin");
  write_file(dir_ / "broken.json", broken.dump());
  EXPECT_EQ(validate_kcidb(dir_ / "broken.json").exit_status, 1);
  broken = report;
  broken["tests"][0]["verdict"] = "bad";  // no such property in KCIDB
  write_file(dir_ / "broken.json", broken.dump());
  EXPECT_EQ(validate_kcidb(dir_ / "broken.json").exit_status, 1);
}

// A flaky reproducer on a merge-heavy history, for several culprits (one a merge) and both
// strategies: `git bisect replay` of the exported log ends on the commit culprit named.
TEST_F(ShowFormatsTest, GitBisectReplayEndsOnTheAnswerOnAMergeHistory) {
  const std::string repo = dir_ / "repo";
  History history = make_merge_history(150, 5);
  std::vector<std::string> hashes = write_history(history, repo);
  const std::string bad = hashes[history.tip];
  const std::string good = hashes[0];
  write_file(dir_ / "flaky.sh", kFlakyOracle);
  std::vector<std::string> range;
  {
    std::istringstream list(git(repo, {"rev-list", bad, "^" + good}));
    for (std::string hash; list >> hash;) range.push_back(hash);
  }
  std::vector<std::string> merges;
  {
    std::istringstream list(git(repo, {"rev-list", "--merges", bad, "^" + good}));
    for (std::string hash; list >> hash;) merges.push_back(hash);
  }
  ASSERT_GE(range.size(), 100u);
  ASSERT_GE(merges.size(), 2u);
  const std::vector<std::string> planted = {range[range.size() / 3], range[range.size() * 2 / 3],
                                            merges[merges.size() / 2]};
  must_run({"git", "clone", "-q", repo, dir_ / "clone"});
  int left_out = 0;  // logs where a verdict disagreed with the answer (the reproducer is flaky)
  for (std::size_t i = 0; i < planted.size(); ++i) {
    const std::string name = "replay" + std::to_string(i);
    // The last one with classic, whose small batches judge by any crash: a missed crash makes
    // a bad commit good, and the verify batches of the culprit's parents may disagree.
    const std::string strategy = i + 1 == planted.size() ? "classic" : "bayes";
    const std::string state = bisect(
        {"--strategy", strategy, "--repo", repo, "--bad", bad, "--good", good, "--runs", "3",
         "--test",
         "sh " + (dir_ / "flaky.sh") + " " + repo + " " + planted[i] + " \"$CULPRIT_COMMIT\""},
        name);
    const json answer = result(name);
    ASSERT_EQ(answer["result"], "found") << answer.dump();
    CommandOutput log = culprit({"show", "--state", state, "--git-bisect-log"});
    ASSERT_EQ(log.exit_status, 0) << log.output;
    write_file(dir_ / (name + ".log"), log.output);
    CommandOutput replayed =
        run_command({"git", "-C", dir_ / "clone", "bisect", "replay", dir_ / (name + ".log")});
    EXPECT_TRUE(contains(replayed.output,
                         answer["culprit"].get<std::string>() + " is the first bad commit"))
        << log.output << replayed.output;
    git(dir_ / "clone", {"bisect", "reset"});
    left_out += contains(log.output, "# left out: ");
  }
  std::cout << "[ noisy ] " << left_out << " of " << planted.size()
            << " logs left out verdicts that disagree with the answer\n";
}

}  // namespace
}  // namespace culprit::testing
