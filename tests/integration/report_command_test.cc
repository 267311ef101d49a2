// `culprit report` as a real process: a console log in, its crashes out as text, JSON or JSON
// lines, each crash as soon as it is complete (before the log ends), and a one-line error for a
// file or folder it cannot read. The parser itself is tested in unit/report_test.cc.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/console_logs.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

TEST(ReportCommand, PrintsCrashesAsTextAndJson) {
  TempDir dir;
  std::string log_path = dir / "console.log";
  write_file(log_path, kCleanLog + kKasanLog);

  std::string text = must_run({CULPRIT_BINARY, "report", log_path});
  EXPECT_NE(text.find("title: KASAN: slab-use-after-free Read in tcp_close"), std::string::npos)
      << text;
  EXPECT_NE(text.find("executor: proc=5, id=7376"), std::string::npos) << text;

  std::string json = must_run({CULPRIT_BINARY, "report", log_path, "--json"});
  for (const char* field : {"\"title\"", "\"alt_titles\"", "\"type\"", "\"corrupted\"",
                            "\"suppressed\"", "\"panicked\"", "\"executor\"", "\"frame\"",
                            "\"guilty_file\"", "\"start\"", "\"end\"", "\"report\""}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " missing in " << json;
  }
  EXPECT_NE(json.find("\"KASAN-USE-AFTER-FREE-READ\""), std::string::npos) << json;
}

TEST(ReportCommand, CleanLogPrintsNothing) {
  TempDir dir;
  std::string log_path = dir / "clean.log";
  write_file(log_path, kCleanLog);
  EXPECT_EQ(must_run({CULPRIT_BINARY, "report", log_path}), "");
  EXPECT_EQ(must_run({CULPRIT_BINARY, "report", log_path, "--json"}), "[]");
}

TEST(ReportCommand, UnreadableFileIsAOneLineError) {
  TempDir dir;
  std::string missing = dir / "missing.log";
  CommandOutput result = run_command({CULPRIT_BINARY, "report", missing});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.output.find(missing), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find('\n'), result.output.size() - 1) << result.output;
}

TEST(ReportCommand, JsonArrayAndJsonLinesHoldEveryCrash) {
  TempDir dir;
  std::string log_path = dir / "console.log";
  write_file(log_path, kKasanLog + kCleanLog + kKasanLog);
  nlohmann::json array =
      nlohmann::json::parse(must_run({CULPRIT_BINARY, "report", log_path, "--json"}));
  ASSERT_TRUE(array.is_array());
  ASSERT_EQ(array.size(), 2u);
  std::istringstream lines(must_run({CULPRIT_BINARY, "report", log_path, "--jsonl"}));
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(objects[i], array[i]) << i;
  EXPECT_EQ(array[0]["title"], "KASAN: slab-use-after-free Read in tcp_close");
  EXPECT_LT(array[0]["start"], array[1]["start"]);
}

TEST(ReportCommand, AFolderIsAnErrorNamingIt) {
  TempDir dir;
  CommandOutput result = run_command({CULPRIT_BINARY, "report", dir.path()});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.output.find(dir.path()), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("folder"), std::string::npos) << result.output;
}

// `culprit report -` with a pipe on its standard input and its output (stdout+stderr) read as
// it comes.
class LiveReport {
 public:
  LiveReport() {
    int in[2];
    int out[2];
    EXPECT_EQ(pipe(in), 0);
    EXPECT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      for (int fd : {in[0], in[1], out[0], out[1]}) close(fd);
      execl(CULPRIT_BINARY, CULPRIT_BINARY, "report", "-", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    input_ = in[1];
    output_ = out[0];
  }
  ~LiveReport() {
    if (input_ >= 0) close(input_);
    close(output_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }

  void write_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t wrote = write(input_, data.data() + done, data.size() - done);
      ASSERT_GT(wrote, 0);
      done += static_cast<std::size_t>(wrote);
    }
  }

  // Reads the output until it contains `what` or 30 s have passed; returns all read so far.
  std::string read_until(const std::string& what) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (output.find(what) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd ready{output_, POLLIN, 0};
      if (poll(&ready, 1, 100) <= 0) continue;
      char buffer[4096];
      ssize_t got = read(output_, buffer, sizeof(buffer));
      if (got <= 0) break;
      output.append(buffer, static_cast<std::size_t>(got));
    }
    return output;
  }

  int interrupt_and_wait() {
    kill(pid_, SIGINT);
    read_until("\n\n\n");  // everything until it exits
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string output;

 private:
  pid_t pid_ = -1;
  int input_ = -1;
  int output_ = -1;
};

TEST(ReportCommand, PrintsACrashBeforeTheLogEnds) {
  LiveReport report;
  // A crash is complete once the log has gone 256 KiB past its first line.
  std::string filler;
  while (filler.size() < (std::size_t{300} << 10)) filler += kCleanLog;
  report.write_all(kKasanLog + filler);
  std::string output = report.read_until("start: ");
  EXPECT_NE(output.find("title: KASAN: slab-use-after-free Read in tcp_close"), std::string::npos)
      << output;
  // Ctrl-C: nothing to resume, and the crash printed stays.
  EXPECT_EQ(report.interrupt_and_wait(), 130);
  EXPECT_NE(report.output.find("culprit: interrupted by signal 2"), std::string::npos)
      << report.output;
  EXPECT_EQ(report.output.find("resume"), std::string::npos) << report.output;
}

}  // namespace
}  // namespace culprit::testing
