// One owner per job (store/owner_lock.h), through the binary: the same bisection started twice at
// once runs once -- the second stops at once with a line naming the owner -- and the answer and
// the runs recorded are those of a single run; a job whose owner was killed is taken over.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "support/culprit_binary.h"
#include "support/history.h"
#include "support/test_support.h"

extern char** environ;

namespace culprit::testing {
namespace {

constexpr int kCulprit = 9;

class OwnerLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hashes_ = write_history(make_linear_history(14), dir_ / "repo");
    script_ = dir_ / "test.sh";
    write_file(script_, "#!/bin/sh\necho \"$CULPRIT_COMMIT $CULPRIT_RUN\" >> " + (dir_ / "runs") +
                            "\nsleep 0.2\nif [ -e f" + std::to_string(kCulprit) +
                            " ]; then exit 1; fi\n");
    std::filesystem::permissions(script_, std::filesystem::perms::owner_all);
  }
  std::vector<std::string> args() const {
    return {CULPRIT_BINARY, "bisect", "--repo",        dir_ / "repo",    "--bad",
            hashes_.back(), "--good", hashes_.front(), "--test",         script_,
            "--runs",       "3",      "--state",       dir_ / "state.db"};
  }
  pid_t start() const {
    std::vector<std::string> all = args();
    all.push_back("--json");
    all.push_back(dir_ / "first.json");
    return spawn_in_background(all);
  }
  // Waits until the first process holds the job (its line is in the lock file).
  void wait_for_owner() const {
    for (int i = 0; i < 200; ++i) {
      std::error_code error;
      if (std::filesystem::file_size(dir_ / "state.db.lock", error) > 0 && !error) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "the first bisection never took the lock";
  }
  TempDir dir_;
  std::vector<std::string> hashes_;
  std::string script_;
};

TEST_F(OwnerLockTest, SecondBisectionOfARunningJobStopsAtOnce) {
  const pid_t first = start();
  ASSERT_GT(first, 0);
  wait_for_owner();
  const auto started = std::chrono::steady_clock::now();
  CommandOutput second = run_command(args());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(second.exit_status, 1) << second.output;
  EXPECT_NE(second.output.find("culprit: job 1 in " + (dir_ / "state.db") + " is running (pid " +
                               std::to_string(first) + ", since "),
            std::string::npos)
      << second.output;

  int status = 0;
  ASSERT_EQ(waitpid(first, &status, 0), first);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const std::string json = read_file(dir_ / "first.json");
  EXPECT_NE(json.find("\"culprit\": \"" + hashes_[kCulprit] + "\""), std::string::npos) << json;

  // Every run was started once: the second process ran nothing.
  std::map<std::string, int> runs;
  std::istringstream lines(read_file(dir_ / "runs"));
  for (std::string line; std::getline(lines, line);) ++runs[line];
  for (const auto& [run, times] : runs) EXPECT_EQ(times, 1) << run;
}

TEST_F(OwnerLockTest, JobOfAKilledOwnerIsTakenOver) {
  const pid_t first = start();
  ASSERT_GT(first, 0);
  wait_for_owner();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(first, SIGKILL);
  int status = 0;
  waitpid(first, &status, 0);
  CommandOutput second = run_command(args());
  EXPECT_EQ(second.exit_status, 0) << second.output;
  EXPECT_NE(second.output.find("job 1 in " + (dir_ / "state.db") + ": its owner (pid " +
                               std::to_string(first) + ", since "),
            std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("is gone; taking over"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("first bad commit: " + hashes_[kCulprit]), std::string::npos);
}

}  // namespace
}  // namespace culprit::testing
