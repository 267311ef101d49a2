// The sharing formats (src/share) on state files written here, step by step, over real git
// histories: the bisection mail (found, unreliable, inconclusive), the KCIDB document's links and
// statuses, and `git bisect replay` of the exported log with real git -- noisy verdicts included.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "share/bisect_log_format.h"
#include "share/kcidb_format.h"
#include "share/mail_format.h"
#include "share/recorded_job.h"
#include "store/store.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::share {
namespace {

using culprit::testing::contains;
using culprit::testing::git;
using culprit::testing::must_run;
using culprit::testing::run_command;
using culprit::testing::TempDir;
using nlohmann::json;

constexpr const char* kTitle = "KASAN: use-after-free Read in widget_poke";
const char* kConsole =
    "[    9.000000][ T1] booting\n"
    "[   10.000000][ T1234] ==================================================================\n"
    "[   10.000000][ T1234] BUG: KASAN: use-after-free in widget_poke+0x1c/0x30 "
    "drivers/widget/core.c:42\n"
    "[   10.000000][ T1234] Read of size 8 at addr ffff888012345678 by task a.out/1234\n"
    "[   10.000000][ T1234] Call Trace:\n"
    "[   10.000000][ T1234]  widget_poke+0x1c/0x30 drivers/widget/core.c:42\n"
    "[   10.000000][ T1234] ==================================================================\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  for (std::string item; in >> item;) items.push_back(item);
  return items;
}

// The mail with folded header lines joined again (RFC 5322 §2.2.3 unfolding).
std::string unfolded(std::string text) {
  for (std::size_t at; (at = text.find("\n ")) != std::string::npos;) text.erase(at, 1);
  return text;
}

// A job written into a state file the way the driver writes it, over a merge-heavy history.
class SharedJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_path_ = dir_ / "repo";
    const testing::History history = testing::make_merge_history(80, 11);
    hashes_ = testing::write_history(history, repo_path_);
    tip_ = hashes_[history.tip];
    base_ = hashes_[0];
    // The culprit: a merge in the middle of the range, so that its parents span branches.
    const std::vector<std::string> merges =
        list(git(repo_path_, {"rev-list", "--merges", tip_, "^" + base_}));
    ASSERT_GE(merges.size(), 3u);
    culprit_ = merges[merges.size() / 2];
    Result<store::Store> opened = store::Store::open(dir_ / "state.db");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_.emplace(std::move(*opened));
  }

  void create_job(const std::string& mode, json extra = json::object()) {
    json params = {{"repo", repo_path_}, {"bad", tip_}, {"good", {base_}}, {"mode", mode}};
    params.update(extra);
    Result<store::JobRecord> job = store_->create_job("0123456789abcdef0123", params.dump());
    ASSERT_TRUE(job.ok()) << job.error().message;
    job_ = job->id;
  }

  // One batch of runs of `commit`: true crashes (with the KASAN console), false does not.
  void step(const std::string& commit, Phase phase, const std::vector<bool>& crashes) {
    const std::string tree = git(repo_path_, {"rev-parse", commit + "^{tree}"});
    store::BuildRecord build{tree, commit, BuildStatus::ok, "", "gcc 12", 1.5, "make: done", ""};
    ASSERT_TRUE(store_->put_build(job_, build).ok());
    Result<std::vector<store::RunRecord>> before = store_->runs(job_, tree);
    ASSERT_TRUE(before.ok());
    int index = static_cast<int>(before->size());
    ASSERT_TRUE(store_->append_log(job_, "testing commit " + commit).ok());
    bool any = false;
    for (bool crash : crashes) {
      store::RunRecord run;
      run.tree = tree;
      run.index = index;
      run.outcome = crash ? RunOutcome::crashed : RunOutcome::ok;
      run.title = crash ? kTitle : "";
      run.duration_s = 2;
      run.console = crash ? kConsole : "[    9.000000][ T1] booting\nall fine\n";
      ASSERT_TRUE(store_->put_run(job_, run).ok());
      ASSERT_TRUE(store_
                      ->append_log(job_, crash ? fmt::format("run #{}: crashed: {}", index, kTitle)
                                               : fmt::format("run #{}: OK", index))
                      .ok());
      ++index;
      any = any || crash;
    }
    store::StepRecord record{0, commit, tree, phase, any ? Verdict::bad : Verdict::good};
    ASSERT_TRUE(store_->put_step(job_, record).ok());
  }

  void finish(const json& result) {
    ASSERT_TRUE(store_->append_log(job_, "confidence 0.990, top candidates: x 0.99").ok());
    ASSERT_TRUE(store_->finish_job(job_, "done", result.dump()).ok());
  }

  RecordedJob load() {
    Result<RecordedJob> job = load_job(*store_, job_);
    EXPECT_TRUE(job.ok()) << job.error().message;
    return std::move(job).value();
  }

  vcs::Repository repo() {
    Result<vcs::Repository> opened = vcs::Repository::open(repo_path_);
    EXPECT_TRUE(opened.ok());
    return std::move(opened).value();
  }

  std::vector<std::string> parents(const std::string& commit) {
    std::vector<std::string> all = list(git(repo_path_, {"rev-list", "--parents", "-n1", commit}));
    return std::vector<std::string>(all.begin() + 1, all.end());
  }

  // What `git bisect replay` of `log` in a fresh clone prints.
  std::string replay(const std::string& log, const std::string& name) {
    const std::string clone = dir_ / name;
    must_run({"git", "clone", "-q", repo_path_, clone});
    testing::write_file(dir_ / (name + ".log"), log);
    return run_command({"git", "-C", clone, "bisect", "replay", dir_ / (name + ".log")}).output;
  }

  std::string mail(const MailOptions& options = {}) {
    vcs::Repository repository = repo();
    Result<std::string> text = bisection_mail(load(), *store_, repository, options);
    EXPECT_TRUE(text.ok()) << text.error().message;
    return text.ok() ? *text : "";
  }

  TempDir dir_;
  std::string repo_path_;
  std::vector<std::string> hashes_;
  std::string tip_;
  std::string base_;
  std::string culprit_;
  std::optional<store::Store> store_;
  std::int64_t job_ = 0;
};

json found_result(const std::string& culprit, const std::vector<std::string>& flags) {
  return {
      {"result", "found"},
      {"mode", "cause"},
      {"strategy", "bayes"},
      {"culprit", culprit},
      {"candidates", {culprit}},
      {"flags", flags},
      {"recipients",
       {{"to", {"author@example.org", "maintainer@example.org"}}, {"cc", {"list@example.org"}}}},
      {"commits_tested", 4},
      {"builds", 4},
      {"runs", 9},
      {"time", {{"total_s", 75.0}}},
      {"confidence", 0.995},
      {"verification",
       {{"result", "pass"},
        {"culprit",
         {{"commit", culprit}, {"built", true}, {"runs", 10}, {"crashed_with_title", 6}}},
        {"parents", json::array()}}}};
}

TEST_F(SharedJobTest, MailForAFoundCulprit) {
  create_job("cause", {{"reported_by", {"Rita Reporter <rita@example.org>"}},
                       {"closes", {"https://bugs.example.org/42"}}});
  step(tip_, Phase::start, {true, false, true});
  step(culprit_, Phase::bisect, {true, true});
  for (const std::string& parent : parents(culprit_)) step(parent, Phase::bisect, {false, false});
  finish(found_result(culprit_, {}));

  const std::string text = mail({"Dana Émile <dana@example.org>", {}, {}, 1700000000});
  const std::vector<std::string> lines = lines_of(text);
  // Headers, RFC 5322: ASCII only, the non-ASCII name as an encoded word, then a blank line.
  const std::size_t blank = std::find(lines.begin(), lines.end(), "") - lines.begin();
  ASSERT_LT(blank, lines.size());
  for (std::size_t i = 0; i < blank; ++i) {
    EXPECT_TRUE(std::all_of(lines[i].begin(), lines[i].end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x80;
    })) << lines[i];
    EXPECT_LE(lines[i].size(), 78u) << lines[i];
  }
  EXPECT_EQ(lines[0], "From: =?UTF-8?B?RGFuYSDDiW1pbGU=?= <dana@example.org>");
  EXPECT_TRUE(contains(text, "\nTo: author@example.org, maintainer@example.org\n")) << text;
  EXPECT_TRUE(contains(text, "\nCc: list@example.org\n")) << text;
  EXPECT_TRUE(contains(text, "\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n")) << text;
  EXPECT_TRUE(contains(text, std::string("\nSubject: [culprit] bisected: ") + kTitle + "\n"));

  // The Fixes: tag is what git itself writes with core.abbrev=12.
  const std::string by_git =
      git(repo_path_, {"-c", "core.abbrev=12", "log", "-1", "--format=%h (\"%s\")", culprit_});
  EXPECT_TRUE(contains(text, "\nFixes: " + by_git +
                                 "\nReported-by: Rita Reporter "
                                 "<rita@example.org>\nCloses: https://bugs.example.org/42\n"))
      << text;
  EXPECT_TRUE(contains(text, "\ncommit " + culprit_ + "\n")) << text;
  EXPECT_TRUE(contains(text, "crashed with the bug's title in 6 of 10 runs")) << text;
  EXPECT_FALSE(contains(text, "unreliable")) << text;
  // The final crash is the culprit's report, as the parser cut it from the console.
  EXPECT_TRUE(contains(text, "BUG: KASAN: use-after-free in widget_poke+0x1c/0x30")) << text;
  EXPECT_FALSE(contains(text, "booting")) << text;
  // The log: run lines counted, the posterior line left out.
  EXPECT_TRUE(contains(text, "\n3 runs: 1 OK, 2 crashed\n")) << text;
  EXPECT_FALSE(contains(text, "run #0")) << text;
  EXPECT_FALSE(contains(text, "top candidates")) << text;
  // Prose is wrapped at 72 columns: everything before the verbatim report and log.
  const auto crash = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("final crash", 0) == 0;
  });
  ASSERT_NE(crash, lines.end());
  for (auto line = lines.begin() + static_cast<long>(blank); line != crash; ++line) {
    EXPECT_LE(line->size(), 72u) << *line;
  }

  // Tags given to `show` win over the job's.
  const std::string other = mail({"", {"Sam <sam@example.org>"}, {}, 0});
  EXPECT_TRUE(contains(other, "\nReported-by: Sam <sam@example.org>\nCloses: https://bugs"));
}

TEST_F(SharedJobTest, MailForAnUnreliableCulpritSaysWhyInWords) {
  create_job("cause");
  step(tip_, Phase::start, {true, true});
  step(culprit_, Phase::bisect, {true, true});
  finish(found_result(culprit_, {"merge", "unrelated-crashes", "revert-still-crashes"}));
  const std::string text = mail();
  EXPECT_TRUE(contains(unfolded(text),
                       std::string("\nSubject: [culprit] unreliable bisection: ") + kTitle));
  // Joined back into one paragraph: the wrapping must not change the words.
  std::string prose;
  for (const std::string& line : lines_of(text)) prose += line + " ";
  EXPECT_TRUE(contains(prose,
                       "The result is unreliable: the culprit is a merge commit; commits "
                       "judged good crashed too"))
      << text;
  EXPECT_TRUE(contains(prose, "the culprit reverted on top of the start commit still crashes"));
  EXPECT_TRUE(contains(text, "If the culprit is confirmed, please add these tags to the fix:"));
  EXPECT_TRUE(contains(text, "\nFixes: " + culprit_.substr(0, 12) + " (\""));
}

TEST_F(SharedJobTest, MailForAnInconclusiveResultListsTheCandidates) {
  create_job("cause", {{"reported_by", {"Rita <rita@example.org>"}}});
  step(tip_, Phase::start, {true, true});
  const std::vector<std::string> candidates = {culprit_, parents(culprit_)[0]};
  finish({{"result", "inconclusive"},
          {"culprit", nullptr},
          {"candidates", candidates},
          {"flags", json::array()},
          {"recipients", {{"to", json::array()}, {"cc", json::array()}}},
          {"posterior",
           {{{"commit", candidates[0]}, {"probability", 0.6}},
            {{"commit", candidates[1]}, {"probability", 0.4}}}}});
  const std::string text = mail();
  EXPECT_TRUE(contains(unfolded(text),
                       std::string("\nSubject: [culprit] inconclusive bisection: ") + kTitle));
  EXPECT_FALSE(contains(text, "\nTo:")) << text;
  EXPECT_TRUE(contains(text, "\n  " + candidates[0].substr(0, 12) + " 0.600 ")) << text;
  EXPECT_TRUE(contains(text, "\n  " + candidates[1].substr(0, 12) + " 0.400 ")) << text;
  EXPECT_FALSE(contains(text, "Fixes:")) << text;
  EXPECT_TRUE(contains(text, "\nReported-by: Rita <rita@example.org>\n")) << text;
  // With no culprit, the final crash is the start commit's.
  EXPECT_TRUE(contains(text, "final crash, on commit " + tip_.substr(0, 12))) << text;
}

TEST_F(SharedJobTest, NoMailWithoutAResult) {
  create_job("cause");
  vcs::Repository repository = repo();
  Result<std::string> text = bisection_mail(load(), *store_, repository, {});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message,
            fmt::format("job {} has no result to mail (state running)", job_));
}

TEST(MailTextTest, WrapsFixesAndFlags) {
  EXPECT_EQ(wrap("aa bb cc dd", 5, ""), "aa bb\ncc dd\n");
  EXPECT_EQ(wrap("a verylongword b", 4, "  "), "  a\n  verylongword\n  b\n");
  vcs::CommitInfo commit;
  commit.hash = "1d89c18a2b3c4d5e6f708192a3b4c5d6e7f80912";
  commit.title = "parser: reuse the token buffer";
  EXPECT_EQ(fixes_tag(commit), "Fixes: 1d89c18a2b3c (\"parser: reuse the token buffer\")");
  EXPECT_EQ(flag_in_words("merge", true), "the culprit is a merge commit");
  EXPECT_NE(flag_in_words("verify-failed", true), flag_in_words("verify-failed", false));
  EXPECT_EQ(flag_in_words("something-new", true), "something-new");
}

TEST_F(SharedJobTest, KcidbLinksEveryRunToItsBuildAndCheckout) {
  create_job("cause");
  step(tip_, Phase::start, {true, false});
  step(culprit_, Phase::bisect, {true});
  step(culprit_, Phase::verify, {false, true});
  finish(found_result(culprit_, {}));
  vcs::Repository repository = repo();
  Result<json> report = kcidb_report(load(), *store_, repository, {});
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ((*report)["version"]["major"], 4);
  ASSERT_EQ((*report)["checkouts"].size(), 2u);  // one per commit, however many batches
  ASSERT_EQ((*report)["builds"].size(), 2u);
  ASSERT_EQ((*report)["tests"].size(), 5u);  // one per run
  std::map<std::string, std::string> checkout_commit;
  for (const json& checkout : (*report)["checkouts"]) {
    checkout_commit[checkout["id"]] = checkout["git_commit_hash"];
    const bool is_culprit = checkout["git_commit_hash"] == culprit_;
    EXPECT_EQ(checkout["misc"].contains("result"), is_culprit) << checkout.dump();
    if (is_culprit) {
      EXPECT_EQ(checkout["misc"]["result"]["role"], "culprit");
      EXPECT_EQ(checkout["misc"]["verdicts"], json({"bad", "bad"}));
    }
  }
  std::set<std::string> build_ids;
  for (const json& build : (*report)["builds"]) {
    EXPECT_EQ(checkout_commit.count(build["checkout_id"]), 1u) << build.dump();
    build_ids.insert(build["id"]);
  }
  int failed = 0;
  for (const json& test : (*report)["tests"]) {
    EXPECT_EQ(build_ids.count(test["build_id"]), 1u) << test.dump();
    if (test["status"] == "FAIL") {
      ++failed;
      EXPECT_EQ(test["comment"], kTitle);
      const std::string excerpt = test["log_excerpt"];
      EXPECT_TRUE(contains(excerpt, "\nBUG: KASAN: use-after-free in widget_poke")) << excerpt;
      EXPECT_FALSE(contains(excerpt, "booting")) << excerpt;
    } else {
      EXPECT_EQ(test["status"], "PASS");
    }
  }
  EXPECT_EQ(failed, 3);
  EXPECT_FALSE(kcidb_report(load(), *store_, repository, {"Bad-Origin"}).ok());
}

// A noisy search judged commits both ways. The exported log keeps the verdicts that agree with
// the answer, and git lands on the culprit; the raw verdicts would not get it there.
TEST_F(SharedJobTest, GitBisectReplayLandsOnTheCulpritDespiteNoisyVerdicts) {
  create_job("cause");
  const std::vector<std::string> descendants =
      list(git(repo_path_, {"rev-list", "--ancestry-path", culprit_ + ".." + tip_}));
  const std::vector<std::string> older =
      list(git(repo_path_, {"rev-list", parents(culprit_)[0], "^" + base_}));
  ASSERT_GE(descendants.size(), 3u);
  ASSERT_GE(older.size(), 3u);
  step(tip_, Phase::start, {true, true});
  step(base_, Phase::release, {false});
  step(descendants[1], Phase::bisect, {false});  // has the bug, one batch missed it...
  step(descendants[1], Phase::bisect, {true});   // ...the next one did not
  step(descendants[2], Phase::bisect, {false});  // has the bug, never crashed: disagrees
  step(older[1], Phase::bisect, {true});         // an unrelated crash: disagrees
  step(older[2], Phase::bisect, {false});
  step(culprit_, Phase::bisect, {true});
  for (const std::string& parent : parents(culprit_)) step(parent, Phase::verify, {false});
  finish(found_result(culprit_, {}));

  vcs::Repository repository = repo();
  Result<std::string> log = git_bisect_log(load(), repository);
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_TRUE(contains(*log, "# left out: good [" + descendants[2] + "]")) << *log;
  EXPECT_TRUE(contains(*log, "# left out: bad [" + older[1] + "]")) << *log;
  EXPECT_TRUE(contains(*log, "\ngit bisect bad " + descendants[1] + "\n")) << *log;
  EXPECT_TRUE(contains(*log, "\ngit bisect good " + older[2] + "\n")) << *log;
  const std::string replayed = replay(*log, "clone");
  EXPECT_TRUE(contains(replayed, culprit_ + " is the first bad commit")) << *log << replayed;

  // Each commit's last verdict, as a naive export would write them.
  std::string naive = "git bisect start\n";
  for (const store::StepRecord& step : load().steps) {
    naive += fmt::format("git bisect {} {}\n", step.verdict == Verdict::bad ? "bad" : "good",
                         step.commit);
  }
  EXPECT_FALSE(contains(replay(naive, "naive"), culprit_ + " is the first bad commit"));
}

TEST_F(SharedJobTest, GitBisectReplayOfAFixUsesFixTerms) {
  create_job("fix");
  step(tip_, Phase::start, {true});
  step(culprit_, Phase::bisect, {false});
  for (const std::string& parent : parents(culprit_)) step(parent, Phase::verify, {true});
  json result = found_result(culprit_, {});
  result["mode"] = "fix";
  finish(result);
  vcs::Repository repository = repo();
  Result<std::string> log = git_bisect_log(load(), repository);
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_TRUE(contains(*log, "\ngit bisect start '--term-new=fixed' '--term-old=crashes'\n"));
  EXPECT_TRUE(contains(*log, "\ngit bisect fixed " + culprit_ + "\n")) << *log;
  EXPECT_TRUE(contains(replay(*log, "clone"), culprit_ + " is the first fixed commit")) << *log;
}

TEST_F(SharedJobTest, GitBisectReplayOfAnInconclusiveResultEndsOnTheCandidates) {
  create_job("cause");
  const std::string parent = parents(culprit_)[0];
  step(tip_, Phase::start, {true});
  finish({{"result", "inconclusive"}, {"candidates", {parent, culprit_}}});
  vcs::Repository repository = repo();
  Result<std::string> log = git_bisect_log(load(), repository);
  ASSERT_TRUE(log.ok()) << log.error().message;
  const std::string replayed = replay(*log, "clone");
  EXPECT_TRUE(contains(replayed, "only 'skip'ped commits left")) << *log << replayed;
  EXPECT_TRUE(contains(replayed, culprit_)) << replayed;
  EXPECT_TRUE(contains(replayed, parent)) << replayed;
}

}  // namespace
}  // namespace culprit::share
