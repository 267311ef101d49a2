#include "runner/command_runner.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace culprit::runner {
namespace {

using namespace std::chrono_literals;
using testing::read_file;
using testing::TempDir;

constexpr char kCommit[] = "89abcdef0123456789abcdef0123456789abcdef";

CommandRunConfig config(std::string command, int jobs = 1) {
  CommandRunConfig config;
  config.command = std::move(command);
  config.jobs = jobs;
  return config;
}

RunRequest request_for(const TempDir& checkout) {
  return {.checkout_dir = checkout.path(),
          .commit = kCommit,
          .artifact = checkout / "vmlinux",
          .job_dir = "",
          .stop_requested = {}};
}

// Runs `indices` and returns the runs in the order they were reported.
std::vector<ReproRun> run_all(const CommandRunConfig& config, const RunRequest& request,
                              const std::vector<int>& indices) {
  CommandRunner runner(config);
  std::vector<ReproRun> runs;
  runner.run(request, indices, [&](const ReproRun& run) { runs.push_back(run); });
  return runs;
}

ReproRun run_one(const CommandRunConfig& config) {
  TempDir checkout;
  std::vector<ReproRun> runs = run_all(config, request_for(checkout), {0});
  EXPECT_EQ(runs.size(), 1u);
  return runs.empty() ? ReproRun{} : runs[0];
}

TEST(CommandRunnerTest, ExitZeroIsOk) {
  ReproRun run = run_one(config("echo fine"));
  EXPECT_EQ(run.outcome, RunOutcome::ok);
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_EQ(run.title, "");
  EXPECT_EQ(run.console, "fine\n");
  EXPECT_FALSE(run.timed_out);
}

TEST(CommandRunnerTest, Exit125CannotTest) {
  ReproRun run = run_one(config("echo no config; exit 125"));
  EXPECT_EQ(run.outcome, RunOutcome::cannot_test);
  EXPECT_EQ(run.exit_status, 125);
  EXPECT_EQ(run.console, "no config\n");
}

TEST(CommandRunnerTest, OtherExitStatusIsACrash) {
  ReproRun run = run_one(config("echo 'BUG: oops'; exit 3"));
  EXPECT_EQ(run.outcome, RunOutcome::crashed);
  EXPECT_EQ(run.exit_status, 3);
  EXPECT_EQ(run.title, "crashed (exit status 3)");
  EXPECT_EQ(run.console, "BUG: oops\n");
}

TEST(CommandRunnerTest, SignalIsACrashNamedAfterIt) {
  ReproRun segv = run_one(config("kill -SEGV $$"));
  EXPECT_EQ(segv.outcome, RunOutcome::crashed);
  EXPECT_EQ(segv.title, "killed by signal SEGV");
  EXPECT_EQ(segv.signal, SIGSEGV);
  EXPECT_EQ(segv.exit_status, -1);
  ReproRun abort = run_one(config("kill -ABRT $$"));
  EXPECT_EQ(abort.title, "killed by signal ABRT");
}

TEST(CommandRunnerTest, TimeoutIsAHangAndKillsEverything) {
  TempDir dir;
  CommandRunConfig hang = config("echo looping; sleep 100 & echo $! > " + dir / "pid" + "; wait");
  hang.timeout = 1s;
  ReproRun run = run_one(hang);
  EXPECT_EQ(run.outcome, RunOutcome::crashed);
  EXPECT_TRUE(run.timed_out);
  EXPECT_EQ(run.title, "hang: test did not finish in 1s");
  EXPECT_EQ(run.console, "looping\n");
  EXPECT_LT(run.duration_s, 30.0);
  // The background sleep was killed with its shell (it is gone or a zombie about to be reaped).
  std::string pid = read_file(dir / "pid");
  pid.erase(pid.find_last_not_of('\n') + 1);
  bool dead = false;
  for (int i = 0; i < 100 && !dead; ++i) {
    std::istringstream stat(read_file("/proc/" + pid + "/stat"));
    std::string field, name, state;
    dead = !(stat >> field >> name >> state) || state == "Z";
    if (!dead) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(dead) << "sleep " << pid << " survived the timeout";
}

TEST(CommandRunnerTest, MissingTestCommandIsAnInfrastructureError) {
  ReproRun run = run_one(config("culprit-no-such-test --now"));
  EXPECT_EQ(run.outcome, RunOutcome::infra_error);
  EXPECT_EQ(run.exit_status, 127);
  EXPECT_EQ(run.error, "test command not found: culprit-no-such-test --now");
}

TEST(CommandRunnerTest, Exit127WithoutNotFoundIsACrash) {
  ReproRun run = run_one(config("exit 127"));
  EXPECT_EQ(run.outcome, RunOutcome::crashed);
  EXPECT_EQ(run.title, "crashed (exit status 127)");
}

TEST(CommandRunnerTest, MissingCheckoutIsAnInfrastructureError) {
  TempDir parent;
  CommandRunner runner(config("true"));
  std::vector<ReproRun> runs;
  std::vector<int> indices = {0};
  runner.run({.checkout_dir = parent / "gone", .commit = kCommit, .artifact = "", .job_dir = "", .stop_requested = {}},
             indices, [&](const ReproRun& run) { runs.push_back(run); });
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, RunOutcome::infra_error);
  EXPECT_NE(runs[0].error.find(parent / "gone"), std::string::npos) << runs[0].error;
}

TEST(CommandRunnerTest, PassesTheRunToTheCommand) {
  TempDir checkout;
  std::vector<ReproRun> runs = run_all(
      config("echo \"$CULPRIT_COMMIT|$CULPRIT_CHECKOUT|$CULPRIT_RUN|$CULPRIT_ARTIFACT\"; pwd -P"),
      request_for(checkout), {4});
  ASSERT_EQ(runs.size(), 1u);
  std::string physical_checkout = testing::must_run({"pwd", "-P"}, checkout.path());
  EXPECT_EQ(runs[0].index, 4);
  EXPECT_EQ(runs[0].console, std::string(kCommit) + "|" + checkout.path() + "|4|" +
                                 checkout / "vmlinux" + "\n" + physical_checkout + "\n");
}

TEST(CommandRunnerTest, KeepsTheEndOfAFloodedConsole) {
  CommandRunConfig flood = config("yes | head -c 10000000; echo; echo 'BUG: the end'");
  flood.console_limit = 1000;
  ReproRun run = run_one(flood);
  EXPECT_EQ(run.outcome, RunOutcome::ok);
  EXPECT_EQ(run.console.size(), 1000u);
  EXPECT_EQ(run.console_dropped, 10000000u + 1 + 13 - 1000);
  EXPECT_TRUE(run.console.ends_with("y\ny\n\nBUG: the end\n")) << run.console.substr(980);
}

TEST(CommandRunnerTest, ReportsEveryIndexOnce) {
  TempDir checkout;
  std::vector<int> indices = {2, 5, 7, 8, 11};
  std::vector<ReproRun> runs = run_all(config("echo $CULPRIT_RUN; exit $((CULPRIT_RUN % 2))", 2),
                                       request_for(checkout), indices);
  ASSERT_EQ(runs.size(), indices.size());
  std::map<int, int> seen;
  for (const ReproRun& run : runs) {
    ++seen[run.index];
    EXPECT_EQ(run.console, std::to_string(run.index) + "\n");
    EXPECT_EQ(run.outcome, run.index % 2 == 0 ? RunOutcome::ok : RunOutcome::crashed);
  }
  for (int index : indices) EXPECT_EQ(seen[index], 1) << "index " << index;
}

TEST(CommandRunnerTest, OneJobRunsInOrder) {
  TempDir checkout;
  std::vector<ReproRun> runs = run_all(config("true"), request_for(checkout), {0, 1, 2, 3});
  ASSERT_EQ(runs.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(runs[i].index, i);
}

TEST(CommandRunnerTest, NoIndicesRunNothing) {
  TempDir checkout;
  EXPECT_TRUE(run_all(config("exit 1"), request_for(checkout), {}).empty());
}

TEST(CommandRunnerTest, RunsUpToJobsAtOnce) {
  // Each run marks itself running, records how many runs are running, waits until three runs have
  // started (or long enough to prove they never will), and unmarks itself.
  TempDir checkout;
  const std::string script = R"sh(
    touch started/$CULPRIT_RUN running/$CULPRIT_RUN
    ls running | wc -l > counts/$CULPRIT_RUN
    i=0
    while [ "$(ls started | wc -l)" -lt 3 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
    sleep 0.2
    ls running | wc -l >> counts/$CULPRIT_RUN
    rm running/$CULPRIT_RUN
  )sh";
  for (const char* dir : {"started", "running", "counts"}) {
    std::filesystem::create_directory(checkout / dir);
  }
  std::vector<ReproRun> runs =
      run_all(config(script, 3), request_for(checkout), {0, 1, 2, 3, 4, 5});
  ASSERT_EQ(runs.size(), 6u);
  int most_at_once = 0;
  for (const ReproRun& run : runs) {
    EXPECT_EQ(run.outcome, RunOutcome::ok) << run.console;
    std::istringstream counts(read_file(checkout / ("counts/" + std::to_string(run.index))));
    for (int count; counts >> count;) most_at_once = std::max(most_at_once, count);
  }
  EXPECT_LE(most_at_once, 3);
  // Three runs met: had they run one at a time, each would have waited 30s for the others.
  EXPECT_EQ(most_at_once, 3);
  for (const ReproRun& run : runs) EXPECT_LT(run.duration_s, 20.0) << "run " << run.index;
}

TEST(CommandRunnerTest, ReportsOneRunAtATime) {
  TempDir checkout;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<int> indices = {0, 1, 2, 3, 4, 5, 6, 7};
  int reported = 0;
  CommandRunner runner(config("true", 4));
  runner.run(request_for(checkout), indices, [&](const ReproRun&) {
    if (inside.fetch_add(1) != 0) ++overlaps;
    std::this_thread::sleep_for(20ms);  // long enough for other runs to end meanwhile
    ++reported;
    inside.fetch_sub(1);
  });
  EXPECT_EQ(reported, 8);
  EXPECT_EQ(overlaps.load(), 0);
}

}  // namespace
}  // namespace culprit::runner
