// The oops table (report/oops_table.h) compiled once: RE2 patterns for every report format,
// stack walk and console rule, and the literal scanner over the report headers. Internal to the
// report module: the parser and the title code share it.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "report/literal_scanner.h"
#include "report/oops_table.h"
#include "report/pattern_prefilter.h"
#include "report/regex_util.h"

namespace culprit::report::detail {

// Where a stack part's leftmost match in the rest of a report's text starts.
struct PartFinder {
  // The part in multi-line mode ("^" and "$" at every line; a class such as [^k] may still match
  // across a "\n"); nullptr for kStackFrames.
  std::unique_ptr<RE2> in_lines;
  // When the part only matches these strings (kCallTrace): they are looked for with find(),
  // which skips to the bytes equal to their first, where RE2's DFA reads every byte.
  std::vector<std::string> literals;

  // The offset in `text` where the leftmost match starts; npos when there is none.
  std::size_t find(std::string_view text) const;
};

struct CompiledStack {
  // nullptr stands for kStackFrames.
  std::vector<std::unique_ptr<RE2>> parts;
  std::vector<std::unique_ptr<RE2>> fallback_parts;
  // The same as finders of the next line a part may be on, with one search of the text rather
  // than one per line; a line found must still match the part alone.
  std::vector<PartFinder> parts_in_lines;
  std::vector<PartFinder> fallback_parts_in_lines;
  // Frames never blamed in this format's stacks, on top of CompiledRules::skip_frames (one
  // pattern shared by every stack: its DFA, which is large, is built and kept warm once).
  std::unique_ptr<RE2> skip;
  FramePick pick = FramePick::kTop;
};

struct CompiledFormat {
  const ReportFormat* source = nullptr;
  std::unique_ptr<RE2> title;
  std::unique_ptr<RE2> report;
  const CompiledStack* stack = nullptr;  // owned by CompiledRules::stacks
};

struct CompiledKind {
  const OopsKind* source = nullptr;
  std::vector<CompiledFormat> formats;
  std::unique_ptr<RE2> not_oops;
  // Every format's title pattern, in format order; nullptr for a kind with one format, whose
  // title is searched for anyway (the pass would cost more than the search it may save).
  std::unique_ptr<PatternPrefilter> titles;
};

struct CompiledRules {
  std::vector<CompiledKind> kinds;
  std::vector<std::unique_ptr<CompiledStack>> stacks;  // one per StackSpec
  std::unique_ptr<RE2> suppressions;
  std::unique_ptr<AnyPattern> continuation_headers;
  std::vector<std::unique_ptr<RE2>> stack_starts;  // in table order
  const RE2* riscv_stack_start = nullptr;
  std::unique_ptr<RE2> any_stack_start;
  std::vector<std::unique_ptr<RE2>> frame_lines;
  std::unique_ptr<RE2> any_frame_line;
  // The frame lines are detail::kFastFrameLines: report/fast_match.h matches them, not RE2.
  bool fast_frame_lines = false;
  std::unique_ptr<RE2> skip_frames;  // frames never blamed, whatever the report
  std::unique_ptr<RE2> corrupted_lines;
  // The corrupted-line patterns, then the stack starts, searched in every line of a report at
  // once: which lines may be one (see LineHints in parser.cc).
  std::unique_ptr<PatternPrefilter> line_hints;
  std::size_t line_hints_stack_base = 0;  // id of the first stack start in line_hints
  std::unique_ptr<RE2> stall_anchors;
  // Pattern ids: [0, kinds) are report headers, [info_base, flag_base) the info-with-stack
  // messages, then the log-wide markers: kPanicMarker, kConsoleHangup, the literals that
  // suppressions start with (their line must still match `suppressions`), and from
  // suppression_regex_base the suppressions without such a literal.
  std::unique_ptr<LiteralScanner> scanner;
  std::size_t info_base = 0;
  std::size_t flag_base = 0;
  std::size_t suppression_regex_base = 0;
};

// Log-wide markers, by their id minus CompiledRules::flag_base (every suppression is kSuppression).
enum LogFlag : unsigned { kPanicMarker = 0, kConsoleHangup = 1, kSuppression = 2 };

// The rules, compiled on first use (thread-safe) and kept for the life of the process.
const CompiledRules& compiled();

}  // namespace culprit::report::detail
