// The streaming console parser (report/console_stream.h) on the shared crash-report corpus: fed in
// pieces of any size it finds exactly what parse_console finds in the whole log, the first report
// of a case is parse_first's, and what it holds stays bounded however much is fed.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "report/console_stream.h"
#include "report/report.h"
#include "support/console_logs.h"

namespace {

namespace fs = std::filesystem;
using culprit::report::ConsoleStream;
using culprit::report::CrashReport;
using culprit::report::parse_console;
using culprit::report::parse_first;

const fs::path kShared = CULPRIT_SHARED_DIR;

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream data;
  data << file.rdbuf();
  return std::move(data).str();
}

// Every case file of the report corpus, by name (bytes as they are: headers and all).
std::vector<std::string> corpus_files() {
  std::vector<fs::path> paths;
  for (const char* dir : {"testdata/linux/report", "testdata/all/report"}) {
    if (!fs::is_directory(kShared / dir)) continue;
    for (const auto& entry : fs::directory_iterator(kShared / dir)) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> files;
  for (const fs::path& path : paths) files.push_back(read_bytes(path));
  return files;
}

// The crash-dense text of the benchmark: every case file, one after the other.
const std::string& dense_corpus() {
  static const std::string data = [] {
    std::string all;
    for (const std::string& file : corpus_files()) all += file;
    return all;
  }();
  return data;
}

std::vector<CrashReport> parse_in_pieces(std::string_view log, std::size_t piece) {
  std::vector<CrashReport> reports;
  ConsoleStream stream([&](CrashReport report) { reports.push_back(std::move(report)); });
  for (std::size_t pos = 0; pos < log.size(); pos += piece) stream.feed(log.substr(pos, piece));
  stream.finish();
  return reports;
}

// Every field, so that a difference says which.
void expect_same(const CrashReport& got, const CrashReport& want, const std::string& where) {
  EXPECT_EQ(got.title, want.title) << where;
  EXPECT_EQ(got.alt_titles, want.alt_titles) << where;
  EXPECT_EQ(got.type, want.type) << where;
  EXPECT_EQ(got.corrupted, want.corrupted) << where;
  EXPECT_EQ(got.corrupted_reason, want.corrupted_reason) << where;
  EXPECT_EQ(got.suppressed, want.suppressed) << where;
  EXPECT_EQ(got.panicked, want.panicked) << where;
  EXPECT_EQ(got.executor, want.executor) << where;
  EXPECT_EQ(got.frame, want.frame) << where;
  EXPECT_EQ(got.guilty_file, want.guilty_file) << where;
  EXPECT_EQ(got.start, want.start) << where;
  EXPECT_EQ(got.end, want.end) << where;
  EXPECT_EQ(got.skip, want.skip) << where;
  EXPECT_EQ(got.report, want.report) << where;
  EXPECT_EQ(got.report_prefix_len, want.report_prefix_len) << where;
}

TEST(ConsoleStream, PiecesOfAnySizeGiveTheWholeLogsReports) {
  const std::string& log = dense_corpus();
  ASSERT_GT(log.size(), 1u << 20) << "corpus not found under " << kShared;
  std::vector<CrashReport> whole = parse_console(log);
  ASSERT_GT(whole.size(), 1000u);
  for (std::size_t piece : {std::size_t{4093}, std::size_t{1} << 20}) {
    std::vector<CrashReport> streamed = parse_in_pieces(log, piece);
    ASSERT_EQ(streamed.size(), whole.size()) << "pieces of " << piece;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      expect_same(streamed[i], whole[i],
                  "report " + std::to_string(i) + ", pieces of " + std::to_string(piece));
    }
  }
}

TEST(ConsoleStream, ByteByByteOnOneCase) {
  std::string log = culprit::testing::kCleanLog + culprit::testing::kKasanLog;
  std::vector<CrashReport> whole = parse_console(log);
  std::vector<CrashReport> streamed = parse_in_pieces(log, 1);
  ASSERT_EQ(whole.size(), 1u);
  ASSERT_EQ(streamed.size(), 1u);
  expect_same(streamed[0], whole[0], "byte by byte");
}

TEST(ConsoleStream, FirstReportOfEveryCaseIsParseFirsts) {
  // Cases are shorter than a report's span, so even the log-wide markers agree.
  std::size_t cases = 0;
  for (const std::string& log : corpus_files()) {
    std::optional<CrashReport> first = parse_first(log);
    std::vector<CrashReport> all = parse_in_pieces(log, 1000);
    ASSERT_EQ(first.has_value(), !all.empty()) << log.substr(0, 200);
    if (first) expect_same(all[0], *first, log.substr(0, log.find('\n')));
    ++cases;
  }
  EXPECT_EQ(cases, 566u);
}

TEST(ConsoleStream, ReportsComeOutBeforeTheLogEnds) {
  const std::string& log = dense_corpus();
  std::size_t reports = 0;
  ConsoleStream stream([&](CrashReport) { ++reports; });
  // A report is out once the log has gone 256 KiB past its first line.
  stream.feed(std::string_view(log).substr(0, std::size_t{1} << 20));
  EXPECT_GT(reports, 100u);
  std::size_t before_end = reports;
  stream.feed(std::string_view(log).substr(std::size_t{1} << 20));
  stream.finish();
  EXPECT_EQ(reports, parse_console(log).size());
  EXPECT_GT(reports, before_end);
}

TEST(ConsoleStream, HoldsBoundedBytesWhateverIsFed) {
  const std::string& log = dense_corpus();
  std::size_t reports = 0;
  std::size_t most_held = 0;
  ConsoleStream stream([&](CrashReport) { ++reports; });
  constexpr std::size_t kPiece = std::size_t{1} << 16;
  // 9 MiB of crash-dense console, then 4 MiB without a crash.
  for (int round = 0; round < 7; ++round) {
    const bool dense = round < 3;
    std::string_view text = dense ? std::string_view(log) : culprit::testing::kCleanLog;
    std::size_t fed = 0;
    while (fed < (std::size_t{1} << 20) * (dense ? 3 : 1)) {
      std::string_view piece = text.substr(fed % text.size(), kPiece);
      stream.feed(piece);
      fed += piece.size();
      most_held = std::max(most_held, stream.buffered());
    }
  }
  stream.finish();
  EXPECT_GT(reports, 3000u);
  // Context lines before a report, its span after it, the buffer's slack and one piece.
  EXPECT_LE(most_held, (std::size_t{3} << 20) + kPiece);
}

}  // namespace
