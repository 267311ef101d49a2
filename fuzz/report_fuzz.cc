// libFuzzer target for the console parser: any bytes must parse without crashing, and what comes
// back must be self-consistent: the streaming parser fed in pieces finds the same reports as
// parse_console, and (for inputs no longer than a report's span) the first of them is
// parse_first's. Built and run by fuzz/build_and_run.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "report/console_stream.h"
#include "report/report.h"
#include "report/report_cursor.h"
#include "require.h"

namespace {

bool same(const culprit::report::CrashReport& a, const culprit::report::CrashReport& b) {
  return a.title == b.title && a.alt_titles == b.alt_titles && a.corrupted == b.corrupted &&
         a.corrupted_reason == b.corrupted_reason && a.suppressed == b.suppressed &&
         a.panicked == b.panicked && a.executor == b.executor && a.guilty_file == b.guilty_file &&
         a.start == b.start && a.end == b.end && a.skip == b.skip && a.report == b.report;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view log(reinterpret_cast<const char*>(data), size);
  auto reports = culprit::report::parse_console(log);
  require(culprit::report::contains_crash(log) == !reports.empty());
  std::size_t previous_start = 0;
  for (const auto& report : reports) {
    require(!report.title.empty() && report.title.size() <= 120);
    require(report.start < report.end && report.end <= size);
    require(report.start >= previous_start);
    require(report.report_prefix_len <= report.report.size());
    require(report.type == culprit::report::crash_type(report.title));
    previous_start = report.start;
  }
  // Fed in pieces (of a size the input picks), the stream finds the same reports.
  std::vector<culprit::report::CrashReport> streamed;
  {
    culprit::report::ConsoleStream stream(
        [&](culprit::report::CrashReport report) { streamed.push_back(std::move(report)); });
    std::size_t piece = size == 0 ? 1 : 1 + data[size - 1] % 97;
    for (std::size_t pos = 0; pos < size; pos += piece) stream.feed(log.substr(pos, piece));
    stream.finish();
  }
  require(streamed.size() == reports.size());
  for (std::size_t i = 0; i < reports.size(); ++i) require(same(streamed[i], reports[i]));
  if (size <= culprit::report::ReportCursor::kMaxReportSpan) {
    auto first = culprit::report::parse_first(log);
    require(first.has_value() == !reports.empty());
    if (first) require(same(*first, reports[0]));
  }
  // The helpers must also accept arbitrary text.
  std::string_view head = log.substr(0, 512);
  require(culprit::report::normalize_title(head).size() <= 120);
  (void)culprit::report::guilty_file(head, log);
  return 0;
}
