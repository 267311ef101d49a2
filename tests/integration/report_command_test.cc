// `culprit report` as a real process: a console log in, its crashes out as text or JSON, and a
// one-line error for a file it cannot read. The parser itself is tested in unit/report_test.cc.
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace culprit::testing
