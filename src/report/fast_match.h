// Hand-written matchers for the few fixed patterns the parser tries on most lines of a report
// (internal to src/report). RE2 pays ~2-7k instructions per search that extracts groups (its
// backtracker, set up for each call); these patterns are simple enough to match by hand in tens.
// Each one gives exactly what RE2 gives for its pattern (leftmost-first, Latin-1 bytes): the
// patterns are written next to each matcher, and tests/unit/report_fast_match_test.cc compares
// the two on the corpus's lines and on generated ones.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace culprit::report::detail {

// The frame names a stack line gives (the captures of the frame-line pattern that matched).
struct FrameNames {
  std::array<std::string_view, 2> names;
  std::size_t count = 0;
};

// The frame-line patterns the matcher below stands for, in order (macros not expanded): the
// parser uses it only when the table's ConsoleRules::frame_lines are exactly these, and RE2
// otherwise.
inline constexpr std::array<std::string_view, 2> kFastFrameLines = {
    "^ *(?:{PC} ){0,2}{FUNC}",
    R"(^ *{PC} \(([a-zA-Z0-9_.]+)\) from {PC} \({FUNC})",
};

// The captures of the first of kFastFrameLines that matches `line` (searched as RE2 would:
// "^" is the start of `line`); nullopt when none does.
std::optional<FrameNames> match_frame_line(std::string_view line);

// The pattern the matcher below stands for (title_frame in title.cc).
inline constexpr std::string_view kFrameInTitle = R"(.* in ((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+))";

// Group 1 of kFrameInTitle's leftmost match in `title`; nullopt when it does not match.
std::optional<std::string_view> match_frame_in_title(std::string_view title);

// The patterns the matchers below stand for: a task's and a CPU's printk caller tag, a console
// timestamp (in a title, the sign of merged lines), and the syzkaller executor's name.
inline constexpr std::string_view kTaskTag = R"(\[ *T[0-9]+\])";
inline constexpr std::string_view kCpuTag = R"(\[ *C[0-9]+\])";
inline constexpr std::string_view kTimestamp = R"(\[ *[0-9]+\.[0-9]+\])";
inline constexpr std::string_view kExecutorComm = R"( Comm: syz\.(\d+)\.(\d+) )";

// Whether `text` holds a match of kTaskTag, kCpuTag, kTimestamp.
bool has_task_tag(std::string_view text);
bool has_cpu_tag(std::string_view text);
bool has_timestamp(std::string_view text);

// Groups 1 and 2 of kExecutorComm's leftmost match in `text`; nullopt when it does not match.
std::optional<std::array<std::string_view, 2>> match_executor_comm(std::string_view text);

// A source file reference ("path/file.c:123") in a report line (guilty.cc).
inline constexpr std::string_view kFileReference =
    R"(([a-zA-Z0-9_\-\./]*[a-zA-Z0-9_\-]+\.(c|h)):[0-9]+)";

// Group 1 of kFileReference's leftmost match in `line` (the path); nullopt when it does not match.
std::optional<std::string_view> match_file_reference(std::string_view line);

}  // namespace culprit::report::detail
