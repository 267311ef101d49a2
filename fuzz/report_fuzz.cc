// libFuzzer target for the console parser: any bytes must parse without crashing, and what comes
// back must be self-consistent: the streaming parser fed in pieces finds the same reports as
// parse_console, and (for inputs no longer than a report's span) the first of them is
// parse_first's; the hand-written matchers agree with RE2 on the input's lines. Built and run by
// fuzz/build_and_run.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "report/console_lines.h"
#include "report/console_stream.h"
#include "report/fast_match.h"
#include "report/regex_util.h"
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

// The hand-written matchers (report/fast_match.h, console_lines.h) give what RE2 gives for the
// patterns they stand for, on each of the input's first lines and its suffixes after a space.
void check_fast_matchers(std::string_view log) {
  using namespace culprit::report;
  using namespace culprit::report::detail;
  struct Patterns {
    std::vector<std::unique_ptr<RE2>> frame_lines;
    std::unique_ptr<RE2> frame_in_title = compile_pattern(kFrameInTitle);
    std::unique_ptr<RE2> task_tag = compile_pattern(kTaskTag);
    std::unique_ptr<RE2> timestamp = compile_pattern(kTimestamp);
    std::unique_ptr<RE2> executor = compile_pattern(kExecutorComm);
    std::unique_ptr<RE2> file_reference = compile_pattern(kFileReference);
    std::unique_ptr<RE2> console_prefix = compile_pattern(kConsolePrefix);
  };
  static const Patterns* patterns = [] {
    auto* out = new Patterns;
    for (std::string_view pattern : kFastFrameLines) {
      out->frame_lines.push_back(compile_pattern(pattern));
    }
    return out;
  }();
  auto group = [](const std::optional<Groups>& groups, std::size_t i) {
    return groups && (*groups)[i] ? *(*groups)[i] : std::string_view();
  };
  auto same_view = [](std::string_view a, std::string_view b) {
    return a.data() == b.data() && a.size() == b.size();
  };
  auto check = [&](std::string_view text) {
    std::optional<Groups> frame;
    for (const auto& re : patterns->frame_lines) {
      if ((frame = search(*re, text))) break;
    }
    std::optional<FrameNames> names = match_frame_line(text);
    require(names.has_value() == frame.has_value());
    if (names) {
      for (std::size_t i = 0; i < names->count; ++i) {
        require(same_view(names->names[i], group(frame, i + 1)));
      }
    }
    auto in_title = search(*patterns->frame_in_title, text);
    auto got_in_title = match_frame_in_title(text);
    require(got_in_title.has_value() == in_title.has_value());
    if (got_in_title) require(same_view(*got_in_title, group(in_title, 1)));
    require(has_task_tag(text) == RE2::PartialMatch(text, *patterns->task_tag));
    require(has_timestamp(text) == RE2::PartialMatch(text, *patterns->timestamp));
    auto executor = search(*patterns->executor, text);
    auto got_executor = match_executor_comm(text);
    require(got_executor.has_value() == executor.has_value());
    if (got_executor) require(same_view((*got_executor)[1], group(executor, 2)));
    auto file = search(*patterns->file_reference, text);
    auto got_file = match_file_reference(text);
    require(got_file.has_value() == file.has_value());
    if (got_file) require(same_view(*got_file, group(file, 1)));
    auto prefix = search(*patterns->console_prefix, text);
    auto got_prefix = match_console_prefix(text);
    require(got_prefix.has_value() == prefix.has_value());
    if (got_prefix) require(same_view(got_prefix->tag, group(prefix, 1)));
  };
  // The first lines, at most 512 bytes of each, from their start and after each of their first
  // spaces (where the stack walk and the title search read them from).
  std::size_t start = 0;
  for (int lines = 0; lines < 32 && start < log.size(); ++lines) {
    std::size_t end = std::min(log.find('\n', start), log.size());
    std::string_view line = log.substr(start, std::min<std::size_t>(end - start, 512));
    start = end + 1;
    std::size_t from = 0;
    for (int suffixes = 0; suffixes < 4; ++suffixes) {
      check(line.substr(from));
      std::size_t space = line.find(' ', from);
      if (space == std::string_view::npos) break;
      from = space + 1;
    }
  }
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
  check_fast_matchers(log);
  // The helpers must also accept arbitrary text.
  std::string_view head = log.substr(0, 512);
  require(culprit::report::normalize_title(head).size() <= 120);
  (void)culprit::report::guilty_file(head, log);
  return 0;
}
