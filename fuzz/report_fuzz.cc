// libFuzzer target for the console parser: any bytes must parse without crashing, and what comes
// back must be self-consistent. Built and run by fuzz/build_and_run.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report/report.h"
#include "require.h"

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
  // The helpers must also accept arbitrary text.
  std::string_view head = log.substr(0, 512);
  require(culprit::report::normalize_title(head).size() <= 120);
  (void)culprit::report::guilty_file(head, log);
  return 0;
}
