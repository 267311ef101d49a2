// End-to-end tests of `culprit jobs`, `culprit show` and `culprit maintainers`: the real binary,
// a state file written by a real `culprit bisect` run, and MAINTAINERS files on disk.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/culprit_binary.h"
#include "support/maintainers_fixture.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using nlohmann::json;

CommandOutput culprit(const std::vector<std::string>& args) {
  return run_culprit_command(args);
}

// A straight history of 12 commits; commit 7 plants the bug that the test command detects.
class HistoryCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = dir_ / "repo";
    state_ = dir_ / "state.db";
    git(dir_.path(), {"init", "-q", repo_});
    for (int i = 0; i < 12; ++i) {
      write_file(repo_ + "/file" + std::to_string(i), std::to_string(i) + "\n");
      if (i == 7) write_file(repo_ + "/bug", "planted\n");
      git(repo_, {"add", "-A"});
      git(repo_, {"commit", "-q", "-m", "commit " + std::to_string(i)});
      hashes_.push_back(git(repo_, {"rev-parse", "HEAD"}));
    }
  }

  CommandOutput bisect() {
    return culprit({"bisect", "--repo", repo_, "--bad", hashes_.back(), "--good", hashes_.front(),
                    "--runs", "1", "--state", state_, "--build", "true", "--test",
                    "if [ -e \"$CULPRIT_CHECKOUT/bug\" ]; then echo 'BUG: planted crash'; "
                    "exit 1; fi"});
  }

  TempDir dir_;
  std::string repo_;
  std::string state_;
  std::vector<std::string> hashes_;
};

TEST_F(HistoryCommandTest, JobsAndShowPrintWhatTheBisectionRecorded) {
  CommandOutput run = bisect();
  ASSERT_EQ(run.exit_status, 0) << run.output;

  CommandOutput jobs = culprit({"jobs", "--state", state_});
  ASSERT_EQ(jobs.exit_status, 0) << jobs.output;
  EXPECT_TRUE(contains(jobs.output, "ID")) << jobs.output;
  EXPECT_TRUE(contains(jobs.output, "done")) << jobs.output;
  EXPECT_TRUE(contains(jobs.output, "found")) << jobs.output;
  EXPECT_TRUE(contains(jobs.output, hashes_[7])) << jobs.output;

  CommandOutput jobs_json = culprit({"jobs", "--state", state_, "--json"});
  ASSERT_EQ(jobs_json.exit_status, 0) << jobs_json.output;
  const json listed = json::parse(jobs_json.output);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], 1);
  EXPECT_EQ(listed[0]["state"], "done");
  EXPECT_EQ(listed[0]["result"], "found");
  EXPECT_EQ(listed[0]["culprit"], hashes_[7]);

  // `show` with no id is the newest job; its log is the bisection's own log, then the result.
  CommandOutput show = culprit({"show", "--state", state_});
  ASSERT_EQ(show.exit_status, 0) << show.output;
  EXPECT_TRUE(contains(show.output, "job: 1")) << show.output;
  EXPECT_TRUE(contains(show.output, "state: done")) << show.output;
  EXPECT_TRUE(contains(show.output, hashes_[7])) << show.output;
  for (const std::string& line : {std::string("testing commit ") + hashes_.back()}) {
    EXPECT_TRUE(contains(show.output, line)) << line << "\n" << show.output;
  }
  EXPECT_TRUE(contains(show.output, "\"result\": \"found\"")) << show.output;
  EXPECT_EQ(culprit({"show", "1", "--state", state_}).output, show.output);

  CommandOutput show_json = culprit({"show", "1", "--state", state_, "--json"});
  ASSERT_EQ(show_json.exit_status, 0) << show_json.output;
  const json shown = json::parse(show_json.output);
  EXPECT_EQ(shown["result"]["culprit"], hashes_[7]);
  EXPECT_EQ(shown["parameters"]["bad"], hashes_.back());
  ASSERT_TRUE(shown["log"].is_array());
  EXPECT_FALSE(shown["log"].empty());
}

TEST_F(HistoryCommandTest, ClearErrors) {
  CommandOutput missing = culprit({"jobs", "--state", dir_ / "none.db"});
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_EQ(missing.output, "culprit: no state file " + (dir_ / "none.db") + "\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db"));  // reading never creates one

  write_file(dir_ / "text.db", "this is not SQLite\n");
  CommandOutput not_state = culprit({"show", "--state", dir_ / "text.db"});
  EXPECT_EQ(not_state.exit_status, 1);
  EXPECT_TRUE(contains(not_state.output, dir_ / "text.db")) << not_state.output;
  EXPECT_EQ(std::count(not_state.output.begin(), not_state.output.end(), '\n'), 1)
      << not_state.output;

  ASSERT_EQ(bisect().exit_status, 0);
  CommandOutput no_job = culprit({"show", "7", "--state", state_});
  EXPECT_EQ(no_job.exit_status, 1);
  EXPECT_EQ(no_job.output, "culprit: no such job: 7 in " + state_ + "\n");
  CommandOutput bad_id = culprit({"show", "seven", "--state", state_});
  EXPECT_EQ(bad_id.exit_status, 1);
  EXPECT_EQ(bad_id.output, "culprit: invalid job id: seven\n");
}

const char* kConsole =
    R"([   10.000000][ T1234] ==================================================================
[   10.000000][ T1234] BUG: KASAN: use-after-free in widget_poke+0x1c/0x30 drivers/widget/core.c:42
[   10.000000][ T1234] Read of size 8 at addr ffff888012345678 by task syz-executor.0/1234
[   10.000000][ T1234] CPU: 0 PID: 1234 Comm: syz-executor.0 Not tainted 6.1.0 #1
[   10.000000][ T1234] Call Trace:
[   10.000000][ T1234]  <TASK>
[   10.000000][ T1234]  dump_stack_lvl+0xcd/0x134 lib/dump_stack.c:106
[   10.000000][ T1234]  kasan_report+0x1/0x2 mm/kasan/report.c:417
[   10.000000][ T1234]  widget_poke+0x1c/0x30 drivers/widget/core.c:42
[   10.000000][ T1234]  widget_ioctl+0x10/0x20 drivers/widget/ioctl.c:7
[   10.000000][ T1234]  __x64_sys_ioctl+0x1/0x2 fs/ioctl.c:870
[   10.000000][ T1234]  </TASK>
[   10.000000][ T1234] ==================================================================
)";

class MaintainersCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = dir_ / "linux";
    write_file(tree_ + "/MAINTAINERS", std::string(kMaintainers));
    write_file(tree_ + "/drivers/widget/core.c", "int widget;\n");
    write_file(tree_ + "/drivers/misc/sensor.c", "int x = frobnicate_sensor(0);\n");
    write_file(tree_ + "/Makefile", "all:\n");
  }

  TempDir dir_;
  std::string tree_;
};

TEST_F(MaintainersCommandTest, AnswersLikeGetMaintainer) {
  CommandOutput out = culprit({"maintainers", "--repo", tree_, "drivers/widget/core.c"});
  ASSERT_EQ(out.exit_status, 0) << out.output;
  EXPECT_EQ(out.output,
            "section: WIDGETS\nsection: THE REST\n"
            "to: wendy@widgets.example, widgets@lists.example\n"
            "cc: linux-kernel@vger.kernel.org, rita@review.example\n");

  // K: keywords are read from the file's contents, as get_maintainer -f does.
  CommandOutput keyword = culprit({"maintainers", "--repo", tree_, "drivers/misc/sensor.c"});
  ASSERT_EQ(keyword.exit_status, 0) << keyword.output;
  EXPECT_EQ(keyword.output,
            "section: FROBNICATOR API\nsection: THE REST\n"
            "to: fred@frob.example, frob@lists.example\ncc: linux-kernel@vger.kernel.org\n");

  // An absolute path inside the tree, and a directory.
  CommandOutput absolute =
      culprit({"maintainers", "--repo", tree_, tree_ + "/drivers/widget", "--json"});
  ASSERT_EQ(absolute.exit_status, 0) << absolute.output;
  const json answer = json::parse(absolute.output);
  EXPECT_EQ(answer["files"], json({"drivers/widget/"}));
  EXPECT_EQ(answer["to"], json({"wendy@widgets.example", "widgets@lists.example"}));
  EXPECT_EQ(answer["cc"], json({"linux-kernel@vger.kernel.org", "rita@review.example"}));
  ASSERT_TRUE(answer["contacts"].is_array());
  EXPECT_EQ(answer["contacts"][0]["email"], "wendy@widgets.example");
  EXPECT_EQ(answer["contacts"][0]["role"], "maintainer");
  EXPECT_EQ(answer["contacts"][0]["section"], "WIDGETS");
}

TEST_F(MaintainersCommandTest, AnswersForTheGuiltyFileOfACrash) {
  write_file(dir_ / "console.log", kConsole);
  // The MAINTAINERS file can come from elsewhere (--maintainers).
  write_file(dir_ / "M", std::string(kMaintainers));
  CommandOutput out = culprit({"maintainers", "--repo", dir_ / "empty", "--maintainers", dir_ / "M",
                               "--console", dir_ / "console.log"});
  ASSERT_EQ(out.exit_status, 0) << out.output;
  EXPECT_EQ(out.output,
            "guilty file: drivers/widget/core.c\nsection: WIDGETS\nsection: THE REST\n"
            "to: wendy@widgets.example, widgets@lists.example\n"
            "cc: linux-kernel@vger.kernel.org, rita@review.example\n");
}

TEST_F(MaintainersCommandTest, Errors) {
  CommandOutput none = culprit({"maintainers", "--repo", tree_});
  EXPECT_EQ(none.exit_status, 2) << none.output;

  CommandOutput no_file = culprit({"maintainers", "--repo", dir_ / "nowhere", "a.c"});
  EXPECT_EQ(no_file.exit_status, 1);
  EXPECT_TRUE(contains(no_file.output, "cannot read MAINTAINERS file " + (dir_ / "nowhere")))
      << no_file.output;

  write_file(dir_ / "quiet.log", "[    1.0] nothing happened\n");
  CommandOutput no_crash =
      culprit({"maintainers", "--repo", tree_, "--console", dir_ / "quiet.log"});
  EXPECT_EQ(no_crash.exit_status, 1);
  EXPECT_EQ(no_crash.output, "culprit: no crash report in " + (dir_ / "quiet.log") + "\n");
}

}  // namespace
}  // namespace culprit::testing
