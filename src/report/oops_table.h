// The kernel report formats as data (internal to src/report).
//
// A report "kind" is recognised by a literal header that appears on its first line ("BUG:",
// "WARNING:", "general protection fault", ...). Each kind lists formats tried against the report
// text; the one whose title pattern matches earliest wins and builds the crash title from the
// pattern's captures and from stack frames picked out of the report.
//
// Patterns are RE2 syntax with a few macros expanded before compilation:
//   {PC}   a bracketed code address "[<ffffffff81234567>]"
//   {FUNC} a function name followed by "+" or "." (captures the name)
//   {SRC}  a source location "path/file.c:123" (captures it)
//   {RIP}  the faulting-instruction line of an oops ("RIP: 0010:func+0x12/0x34", "pc : ...")
// Title templates use {1}, {2}, ... for the captures of the matching pattern, followed by the
// frames extracted by the stack description.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

// A stack part that means "parse stack frames from here on".
inline constexpr std::string_view kStackFrames = "<stack frames>";

// How the guilty frame is chosen among the non-skipped frames of a stack.
enum class FramePick {
  kTop,       // the first frame
  kStall,     // stalls/lockups: the caller of the first dispatcher frame (syscall entry, ...)
  kHungTask,  // task hangs: group by rtnl_lock/synchronize_rcu, else skip scheduling frames
};

struct StackSpec {
  // Patterns searched line by line, in order; captures become candidate frames. kStackFrames
  // parses frame lines until the next pattern (or a new stack) starts and yields one frame.
  std::vector<std::string_view> parts = {};
  // Tried instead of `parts` when they yield no usable frame.
  std::vector<std::string_view> fallback_parts = {};
  // Extra regexps (searched in the function name) of frames that are never guilty.
  std::vector<std::string_view> skip = {};
  FramePick pick = FramePick::kTop;
};

struct ReportFormat {
  std::string_view title = {};   // where the report starts; its captures feed the template
  std::string_view report = {};  // optional: must also match, and then provides the captures
  std::string_view format = {};  // title template
  std::vector<std::string_view> alt = {};  // alternative-title templates
  const StackSpec* stack = nullptr;        // how to find the guilty frame(s)
  bool no_stack_trace = false;  // the report carries no "Call Trace" (do not flag as corrupted)
  bool corrupted = false;       // a report matching only this format is always corrupted
};

struct OopsKind {
  std::string_view header = {};            // literal that must appear on the first line
  std::vector<ReportFormat> formats = {};  // tried in order
  std::vector<std::string_view> not_oops =
      {};  // regexps of lines that contain the header but are fine
};

// The patterns below describe the surrounding console output rather than one kind of report.
struct ConsoleRules {
  // Kinds of report, in priority order.
  std::vector<OopsKind> kinds;
  // Regexps matched anywhere in the log that mark the result as suppressed.
  std::vector<std::string_view> suppressions;
  // Literal that says the kernel went on to panic, and the GCE serial console's note that the
  // connection dropped (the report may be cut).
  std::string_view panic_marker;
  std::string_view console_hangup;
  // Regexps of oops lines that may appear inside another report without starting a new one.
  std::vector<std::string_view> continuation_headers;
  // Literals of informational messages that print a stack (they end the current report).
  std::vector<std::string_view> info_with_stack;
  // Lines that start a stack trace, lines that are stack frames (capturing the function name),
  // functions never blamed, lines that mark the report as corrupted, syscall prefixes removed
  // from frame names.
  std::vector<std::string_view> stack_starts;
  std::string_view riscv_stack_start;
  std::vector<std::string_view> frame_lines;
  std::vector<std::string_view> skip_frames;
  std::vector<std::string_view> corrupted_lines;
  std::vector<std::string_view> strip_frame_prefixes;
  // Frames that dispatch work; a stall is attributed to the frame just above one of them.
  std::vector<std::string_view> stall_anchors;
  // Guilty-file search: files never blamed, lines never used.
  std::vector<std::string_view> guilty_file_ignores;
  std::string_view guilty_line_ignore;
};

const ConsoleRules& console_rules();

// The regexp text with the {PC}/{FUNC}/{SRC}/{RIP} macros expanded.
std::string expand_macros(std::string_view pattern);

}  // namespace culprit::report
