// One crash report built from where it starts and ends (internal to src/report): the part of the
// parser that report_cursor.h calls once it has found a report's first line, the stretch of
// console its text may come from, and the log-wide markers around it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "report/compiled_rules.h"
#include "report/console_lines.h"
#include "report/report.h"

namespace culprit::report::detail {

struct ReportBounds {
  // Console bytes from the first byte the context lines before the report may come from, to the
  // cut: the line that starts the next report, or the end of the report's span.
  std::string_view text;
  std::size_t base = 0;   // console offset of text[0]
  std::size_t start = 0;  // console offset of the report's first line (inside `text`)
  std::size_t end = 0;    // console offset just past the last oops line of the report's span
  // Console offset of the line where the next report starts (the cut, or before it): without
  // caller tags, the title comes from the lines before it only.
  std::size_t next_report = 0;
  const CompiledKind* kind = nullptr;
  // The lines of `text`, held for the call (report/console_lines.h).
  const ConsoleLines* lines = nullptr;
};

// Markers searched around the report rather than in it.
struct LogFlags {
  bool panicked = false;        // "Kernel panic - not syncing"
  bool console_hangup = false;  // the serial console dropped
  bool suppressed = false;      // a known non-kernel problem
};

// The report, titled, judged and with console offsets.
CrashReport build_report(const ReportBounds& bounds, const LogFlags& flags);

// The console context of a line (printk timestamp, caller tag) as a string: lines in the same
// context have the same key; "" for a line without a timestamp.
std::string context_key(std::string_view line);

// The kind of report a console line (without its line end) starts: the first kind whose header
// it holds and whose harmless lines it is not; nullptr when it starts none.
const CompiledKind* oops_kind(std::string_view line);
// The same when the headers the line holds are known: bit i of `headers` for kind i.
const CompiledKind* oops_kind(std::string_view line, std::uint64_t headers);

}  // namespace culprit::report::detail
