#include "base/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace culprit {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

ProcessResult run_shell(const std::string& command, std::chrono::milliseconds timeout = 0ms,
                        std::size_t output_limit = 4u << 20) {
  ProcessSpec spec;
  spec.argv = shell_argv(command);
  spec.timeout = timeout;
  spec.output_limit = output_limit;
  Result<ProcessResult> result = run_process(spec);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() ? std::move(result).value() : ProcessResult{};
}

// True once `pid` is gone or a zombie (dead, waiting for its new parent to reap it).
bool process_is_dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, command, state;
  if (!(stat >> pid_field >> command >> state)) return true;
  return state == "Z" || state == "X";
}

bool eventually_dead(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (process_is_dead(pid)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(ProcessTest, ReportsExitStatus) {
  ProcessResult result = run_shell("exit 3");
  EXPECT_EQ(result.end, ProcessResult::End::exited);
  EXPECT_EQ(result.exit_status, 3);
  EXPECT_EQ(run_shell("true").exit_status, 0);
}

TEST(ProcessTest, CombinesStdoutAndStderrInOrder) {
  ProcessResult result = run_shell("echo out; echo err >&2; echo out2");
  EXPECT_EQ(result.output, "out\nerr\nout2\n");
  EXPECT_EQ(result.output_dropped, 0u);
}

TEST(ProcessTest, RunsArgvWithoutAShell) {
  ProcessSpec spec;
  spec.argv = {"printf", "%s|", "a b", "$HOME", "*"};
  Result<ProcessResult> result = run_process(spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->output, "a b|$HOME|*|");
}

TEST(ProcessTest, ReportsTheKillingSignal) {
  ProcessResult segv = run_shell("kill -SEGV $$");
  EXPECT_EQ(segv.end, ProcessResult::End::signaled);
  EXPECT_EQ(segv.signal, SIGSEGV);
  ProcessResult abort = run_shell("kill -ABRT $$");
  EXPECT_EQ(abort.signal, SIGABRT);
}

TEST(ProcessTest, NamesSignals) {
  EXPECT_EQ(signal_name(SIGSEGV), "SEGV");
  EXPECT_EQ(signal_name(SIGABRT), "ABRT");
  EXPECT_EQ(signal_name(SIGKILL), "KILL");
  EXPECT_EQ(signal_name(1000), "1000");
}

TEST(ProcessTest, MissingCommandIsAnError) {
  ProcessSpec spec;
  spec.argv = {"culprit-no-such-command"};
  Result<ProcessResult> result = run_process(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "command not found: culprit-no-such-command");
}

TEST(ProcessTest, RunsInTheWorkingDirectory) {
  TempDir dir;
  ProcessSpec spec;
  spec.argv = {"pwd", "-P"};
  spec.working_dir = dir.path();
  Result<ProcessResult> result = run_process(spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::string expected = testing::must_run({"pwd", "-P"}, dir.path());
  EXPECT_EQ(result->output, expected + "\n");
}

TEST(ProcessTest, MissingWorkingDirectoryIsAnErrorNamingIt) {
  TempDir dir;
  ProcessSpec spec;
  spec.argv = {"true"};
  spec.working_dir = dir / "missing";
  Result<ProcessResult> result = run_process(spec);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find(dir / "missing"), std::string::npos)
      << result.error().message;
}

TEST(ProcessTest, InheritsTheEnvironmentWithOverrides) {
  setenv("CULPRIT_TEST_INHERITED", "from parent", 1);
  setenv("CULPRIT_TEST_OVERRIDDEN", "old", 1);
  ProcessSpec spec;
  spec.argv = shell_argv(
      "echo \"$CULPRIT_TEST_INHERITED|$CULPRIT_TEST_OVERRIDDEN|$CULPRIT_TEST_ADDED\"; "
      "env | grep -c '^CULPRIT_TEST_OVERRIDDEN='");
  spec.env = {{"CULPRIT_TEST_OVERRIDDEN", "new"}, {"CULPRIT_TEST_ADDED", "a=b c"}};
  Result<ProcessResult> result = run_process(spec);
  unsetenv("CULPRIT_TEST_INHERITED");
  unsetenv("CULPRIT_TEST_OVERRIDDEN");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->output, "from parent|new|a=b c\n1\n");
}

TEST(ProcessTest, StdinIsEmpty) {
  ProcessResult result = run_shell("cat; echo done");
  EXPECT_EQ(result.output, "done\n");
}

TEST(ProcessTest, ChildLeadsItsOwnProcessGroup) {
  // Field 5 of /proc/PID/stat is the process group.
  ProcessResult result = run_shell("echo $$; cut -d' ' -f5 /proc/$$/stat");
  std::string pid = result.output.substr(0, result.output.find('\n'));
  EXPECT_EQ(result.output, pid + "\n" + pid + "\n");
  EXPECT_NE(pid, std::to_string(getpgrp()));
}

TEST(ProcessTest, ChildHasOnlyTheStandardDescriptors) {
  // A descriptor of ours left open in a child (another run's pipe) would keep that pipe open.
  int leaked[2];
  ASSERT_EQ(pipe(leaked), 0);  // deliberately without close-on-exec
  ProcessResult result = run_shell("ls /proc/$$/fd");
  close(leaked[0]);
  close(leaked[1]);
  EXPECT_EQ(result.output, "0\n1\n2\n");
}

TEST(ProcessTest, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  std::string pid_file = dir / "background.pid";
  ProcessResult result =
      run_shell("echo started; sleep 100 & echo $! > " + pid_file + "; sleep 100", 500ms);
  EXPECT_EQ(result.end, ProcessResult::End::timed_out);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_EQ(result.output, "started\n");
  EXPECT_LT(result.duration.count(), 30.0);
  pid_t background = std::stoi(testing::read_file(pid_file));
  EXPECT_TRUE(eventually_dead(background)) << "background sleep " << background << " survived";
}

TEST(ProcessTest, BackgroundChildHoldingThePipeDoesNotHangUs) {
  TempDir dir;
  std::string pid_file = dir / "background.pid";
  auto start = std::chrono::steady_clock::now();
  ProcessResult result = run_shell("sleep 100 & echo $! > " + pid_file + "; echo bye");
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.end, ProcessResult::End::exited);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.output, "bye\n");
  EXPECT_LT(elapsed.count(), 30.0);  // the sleep would hold the pipe for 100s
  pid_t background = std::stoi(testing::read_file(pid_file));
  EXPECT_TRUE(eventually_dead(background)) << "background sleep " << background << " survived";
}

TEST(ProcessTest, KeepsTheTailOfLongOutput) {
  std::string full = testing::run_command({"seq", "1", "100000"}).output;
  ProcessResult result = run_shell("seq 1 100000", 0ms, 100);
  ASSERT_EQ(result.output.size(), 100u);
  EXPECT_EQ(result.output, full.substr(full.size() - 100));
  EXPECT_EQ(result.output_dropped, full.size() - 100);
}

TEST(ProcessTest, ZeroLimitKeepsNothingButCounts) {
  ProcessResult result = run_shell("echo hello", 0ms, 0);
  EXPECT_EQ(result.output, "");
  EXPECT_EQ(result.output_dropped, 6u);
}

TEST(ProcessTest, FloodKeepsTheTailInBoundedMemory) {
  constexpr std::size_t kTotal = 200'000'000;
  constexpr std::size_t kLimit = 1u << 20;
  long rss_before = max_rss_kib();
  ProcessResult result = run_shell("yes | head -c " + std::to_string(kTotal), 0ms, kLimit);
  long rss_after = max_rss_kib();
  EXPECT_EQ(result.exit_status, 0);
  ASSERT_EQ(result.output.size(), kLimit);
  EXPECT_EQ(result.output_dropped, kTotal - kLimit);
  // 200000000 is even, so the stream ends with a whole "y\n".
  EXPECT_EQ(result.output.substr(result.output.size() - 4), "y\ny\n");
  EXPECT_EQ(result.output.find_first_not_of("y\n"), std::string::npos);
  EXPECT_LT(rss_after - rss_before, 64L << 10)
      << "peak memory grew by " << rss_after - rss_before << " KiB";
}

TEST(ProcessTest, EndlessFloodIsStoppedByTheTimeout) {
  ProcessResult result = run_shell("yes", 500ms, 1000);
  EXPECT_EQ(result.end, ProcessResult::End::timed_out);
  EXPECT_EQ(result.output.size(), 1000u);
  EXPECT_GT(result.output_dropped, 0u);
}

TEST(ProcessTest, ManyThreadsRunChildrenAtOnce) {
  constexpr int kThreads = 8;
  constexpr int kRunsPerThread = 5;
  std::vector<std::string> failures(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t, &failures] {
        for (int i = 0; i < kRunsPerThread; ++i) {
          ProcessSpec spec;
          spec.argv = shell_argv("echo $WHO; ls /proc/$$/fd");
          spec.env = {{"WHO", std::to_string(t) + "." + std::to_string(i)}};
          spec.timeout = 60s;
          Result<ProcessResult> result = run_process(spec);
          std::string expected = std::to_string(t) + "." + std::to_string(i) + "\n0\n1\n2\n";
          if (!result.ok()) {
            failures[t] = result.error().message;
          } else if (result->output != expected) {
            failures[t] = "got " + result->output + " expected " + expected;
          }
        }
      });
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

TEST(ProcessTest, MeasuresDuration) {
  ProcessResult result = run_shell("sleep 0.2");
  EXPECT_GE(result.duration.count(), 0.2);
}

}  // namespace
}  // namespace culprit
