// Faults that must stay bounded (issue 12), each through the real binary: a build that hangs, a
// test that hangs, a test that prints a gigabyte, the disk filling up under the state file, the
// state folder turning read-only, and a build that mutilates its checkout. Each gives a clear line
// and loses nothing recorded; the job goes on or resumes.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "support/culprit_binary.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

constexpr int kCommits = 16;
constexpr int kCulprit = 10;

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { hashes_ = write_history(make_linear_history(kCommits), dir_ / "repo"); }
  // `culprit bisect` over the history with `extra` arguments.
  Bisection bisect(std::vector<std::string> extra, const std::string& state,
                   std::string json = "") {
    std::vector<std::string> args = {"--repo", dir_ / "repo",   "--bad",   hashes_.back(),
                                     "--good", hashes_.front(), "--state", state};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_culprit(args, json.empty() ? state + ".json" : json);
  }
  std::string bug_test(const std::string& crash = "exit 1") const {
    return "if [ -e f" + std::to_string(kCulprit) + " ]; then " + crash + "; fi";
  }
  TempDir dir_;
  std::vector<std::string> hashes_;
};

std::set<std::string> recorded_runs(const std::string& path) {
  std::set<std::string> runs;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT tree || ':' || run_index FROM runs", -1, &statement,
                           nullptr) == SQLITE_OK) {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        runs.insert(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
      }
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return runs;
}

TEST_F(FaultsTest, BuildThatHangsIsKilledAtTheTimeoutAndSkipped) {
  const auto start = std::chrono::steady_clock::now();
  // Commit 12 (between the culprit and the start) hangs in its build.
  Bisection run = bisect({"--build", "if [ -e f12 ] && [ ! -e f13 ]; then sleep 120; fi",
                          "--build-timeout", "2", "--test", bug_test(), "--runs", "2"},
                         dir_ / "state.db");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
  ASSERT_EQ(run.output.exit_status, 0) << run.output.output;
  EXPECT_EQ(run.result["culprit"], hashes_[kCulprit]);
  for (const auto& step : run.result["steps"]) {
    if (step["commit"] == hashes_[12]) {
      EXPECT_NE(
          run.output.output.find("failed building " + hashes_[12] + ": build timed out after 2s"),
          std::string::npos)
          << run.output.output;
    }
  }
}

TEST_F(FaultsTest, TestThatHangsIsAHangCrashAfterTheTimeout) {
  Bisection run = bisect({"--test", bug_test("sleep 120"), "--test-timeout", "2", "--runs", "2"},
                         dir_ / "state.db");
  ASSERT_EQ(run.output.exit_status, 0) << run.output.output;
  EXPECT_EQ(run.result["culprit"], hashes_[kCulprit]);
  EXPECT_NE(run.output.output.find("hang: test did not finish in 2s"), std::string::npos)
      << run.output.output;
}

TEST_F(FaultsTest, GigabyteConsoleKeepsMemoryBounded) {
  // Every crashing run prints 1 GiB; the runner keeps the last 2 MiB of it.
  Bisection run = bisect({"--test", bug_test("head -c 1073741824 /dev/zero | tr '\\0' x; exit 1"),
                          "--runs", "1", "--strategy", "classic", "--no-verify"},
                         dir_ / "state.db");
  ASSERT_EQ(run.output.exit_status, 0) << run.output.output.substr(0, 2000);
  EXPECT_EQ(run.result["culprit"], hashes_[kCulprit]);
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  const long peak_mib = usage.ru_maxrss / 1024;
  std::printf("peak RSS of the largest child (culprit) with 1 GiB consoles: %ld MiB\n", peak_mib);
  EXPECT_LT(peak_mib, 128);
}

TEST_F(FaultsTest, BuildThatMutilatesItsCheckoutDoesNotSpoilTheNextCommits) {
  Bisection run = bisect({"--build", "rm -f f0 f1; chmod a-w f2; mkdir -p junk; touch junk/x",
                          "--test", bug_test(), "--runs", "2"},
                         dir_ / "state.db");
  ASSERT_EQ(run.output.exit_status, 0) << run.output.output;
  EXPECT_EQ(run.result["culprit"], hashes_[kCulprit]);
}

// A small tmpfs of our own, for a disk that fills up and a folder that turns read-only. Needs
// root (CI and the test command run as root); skipped otherwise.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    mounted_ = geteuid() == 0 && mount("culprit-test", dir_.c_str(), "tmpfs", 0, "size=3m") == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool remount(const std::string& options, unsigned long flags = 0) {
    return mount("culprit-test", dir_.c_str(), "tmpfs", MS_REMOUNT | flags, options.c_str()) == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST_F(FaultsTest, FullDiskIsAClearErrorAndTheJobResumesOnceThereIsRoom) {
  SmallDisk disk(dir_ / "disk");
  if (!disk.mounted()) GTEST_SKIP() << "needs root to mount a tmpfs";
  const std::string state = dir_ / "disk/state.db";
  // Consoles of 400 KB fill 3 MB within a few runs.
  const std::vector<std::string> args = {
      "--test", "head -c 300000 /dev/urandom | base64; " + bug_test(), "--runs", "2"};
  Bisection full = bisect(args, state);
  EXPECT_EQ(full.output.exit_status, 1) << full.output.output;
  const std::string& out = full.output.output;
  const bool says_full =
      out.find("full") != std::string::npos || out.find("No space left") != std::string::npos;
  EXPECT_TRUE(says_full) << out;
  std::printf("disk full: %s\n", out.substr(out.rfind("culprit:")).c_str());
  const std::set<std::string> before = recorded_runs(state);

  ASSERT_TRUE(disk.remount("size=256m"));
  Bisection resumed = bisect(args, state);
  ASSERT_EQ(resumed.output.exit_status, 0) << resumed.output.output;
  EXPECT_EQ(resumed.result["culprit"], hashes_[kCulprit]);
  const std::set<std::string> after = recorded_runs(state);
  for (const std::string& run : before) EXPECT_TRUE(after.count(run)) << "lost run " << run;
}

TEST_F(FaultsTest, ReadOnlyStateFolderIsAClearErrorAndChangesNothing) {
  SmallDisk disk(dir_ / "disk");
  if (!disk.mounted()) GTEST_SKIP() << "needs root to mount a tmpfs";
  const std::string state = dir_ / "disk/state.db";
  const std::vector<std::string> args = {"--test", bug_test(), "--runs", "2"};
  Bisection first = bisect(args, state);
  ASSERT_EQ(first.output.exit_status, 0) << first.output.output;
  const std::set<std::string> before = recorded_runs(state);

  ASSERT_TRUE(disk.remount("", MS_RDONLY));
  Bisection again = bisect(args, state, dir_ / "out.json");
  EXPECT_EQ(again.output.exit_status, 1) << again.output.output;
  EXPECT_NE(again.output.output.find("state.db"), std::string::npos) << again.output.output;
  std::printf("read-only: %s\n", again.output.output.c_str());
  // Reading still works, and reads nothing new into it.
  CommandOutput jobs = run_command({CULPRIT_BINARY, "jobs", "--state", state});
  EXPECT_EQ(jobs.exit_status, 0) << jobs.output;
  EXPECT_NE(jobs.output.find("done"), std::string::npos) << jobs.output;
  ASSERT_TRUE(disk.remount("", 0));
  EXPECT_EQ(recorded_runs(state), before);
}

}  // namespace
}  // namespace culprit::testing
