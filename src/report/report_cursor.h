// Where the crash reports of a console start and end, in one pass over its bytes (internal to
// src/report). The console is indexed once, as it comes, by one multi-pattern scan (report
// headers, messages that end a report, and the log-wide markers: panic, console hangup,
// suppressions); each report is then built from its own lines only. So the work is proportional
// to the console's size however many crashes it holds.
//
// The cursor reads a window of the console that its owner may slide forward
// (report/console_stream.h): a console of any size is parsed in bounded memory.
//
// What a report covers, and so what it says, is bounded (the same whether the console is parsed
// whole or in pieces):
//   - its span: at most kMaxReportSpan past its first line (whole lines); `end` is the end of
//     the last oops line in the span, and the log-wide markers are looked for from where the
//     search for it started (the previous report's first line end) to the span's end;
//   - its text: from its first line to where the second report after it starts (a report
//     header that is not a continuation such as "Kernel panic", or an informational message
//     with a stack; see kReportsAfter below), within the span;
//   - its context lines: at most kMaxLookback before its first line, and never before where the
//     search for it started.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "report/compiled_rules.h"
#include "report/console_lines.h"
#include "report/report.h"

namespace culprit::report {

class ReportCursor {
 public:
  static constexpr std::size_t kMaxReportSpan = std::size_t{256} << 10;
  static constexpr std::size_t kMaxLookback = std::size_t{256} << 10;
  // A report's text runs on through the next report (often its consequence: a fault while
  // reporting, BUG() after a Rust panic, the KASAN report's own fault) and ends where the second
  // one after it starts. With caller tags only the report's own caller counts, its reports of
  // the same kind count as one up to kMaxRepeats of them (the hung-task detector lists every
  // blocked task), and kMaxOtherCallers reports of other callers end it.
  static constexpr int kReportsAfter = 2;
  static constexpr int kMaxRepeats = 8;
  static constexpr int kMaxOtherCallers = 4;

  // Looks for reports from console offset `from` on (a line start, or the "\n" before one).
  explicit ReportCursor(std::size_t from);

  // The console bytes [base, base + view.size()); `complete` when the console ends there. A new
  // view must start at or before keep_from() and hold the same bytes as the old one from there.
  void set_view(std::string_view view, std::size_t base, bool complete);

  // The next report; nullopt when the view does not decide it (no more reports if the view is
  // complete, else more bytes are needed).
  std::optional<CrashReport> next();

  // The first console offset the cursor may still read: bytes before it can be dropped.
  std::size_t keep_from() const;

  // Whether `log` has a line that starts a report.
  static bool contains_oops(std::string_view log);

 private:
  // A line that starts a report or ends the one before it.
  struct Mark {
    std::size_t pos = 0;  // console offset of the line start
    std::size_t end = 0;  // console offset of its "\n" (or of the console's end)
    const detail::CompiledKind* kind = nullptr;  // the report it starts, if any
    bool ends_report = false;  // a non-continuation report header or an info message
    std::string context;       // detail::context_key() of the line
  };
  enum class Search { kFound, kNone, kNeedMore };

  std::size_t view_end() const { return base_ + view_.size(); }
  // Indexes whole lines up to console offset `limit` (rounded up to a line end); false when no
  // new line could be indexed.
  bool index_to(std::size_t limit);
  void index_region(std::size_t from, std::size_t to);
  Search find_oops();
  bool line_is_replayed_message(std::size_t line_start, bool& need_more) const;

  std::string_view view_;
  std::size_t base_ = 0;
  bool complete_ = false;
  std::size_t from_ = 0;
  std::size_t indexed_to_ = 0;
  std::deque<Mark> marks_;
  std::deque<std::size_t> flags_[3];  // by detail::LogFlag: offsets of the markers' last byte
  bool flags_before_[3] = {};         // a marker seen since from_, before what flags_ holds
  std::optional<Mark> pending_;       // the oops line of the report being completed
  detail::ConsoleLines lines_;        // the lines reports are built from, read once each
};

}  // namespace culprit::report
