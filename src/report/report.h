// Reading a Linux serial console: which crash happened, what it is called, whether the report
// is garbled.
//
// The parser understands the kernel's oops formats (BUG/WARNING/KASAN/KMSAN/KCSAN/KFENCE/UBSAN,
// lockdep, faults, panics, hangs, leaks, ...) plus the failures printed by the syzkaller test
// harness (SYZFAIL, SYZFATAL, Go panics). The formats are described as data in oops_table.cc; this
// header is the only thing other modules need.
//
// Input is bytes in any encoding. Lines end in "\n" or "\r\n". Titles are normalised (addresses,
// numbers and executor ids replaced) so that the same bug produces the same title on every run.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

// The syzkaller executor that was running when the kernel crashed ("Comm: syz.P.I").
struct ExecutorInfo {
  int proc = 0;  // fuzzer process number P
  int id = 0;    // program number I
  bool operator==(const ExecutorInfo&) const = default;
};

struct CrashReport {
  std::string title;                    // e.g. "KASAN: use-after-free Read in tcp_close"
  std::vector<std::string> alt_titles;  // other names of the same bug, for deduplication
  std::string type;                     // crash category from the title, "" when unknown
  bool corrupted = false;               // truncated, interleaved or otherwise unreliable
  std::string corrupted_reason;         // why `corrupted` is set; empty otherwise
  bool suppressed = false;              // a known non-kernel problem (harness out of memory, ...)
  bool panicked = false;                // the kernel went on to "Kernel panic - not syncing"
  std::optional<ExecutorInfo> executor;
  std::string frame;        // the guilty function named in the title ("" if none)
  std::string guilty_file;  // source file to blame, when the report carries file:line info
  std::size_t start = 0;    // byte offset of the first line of the report in the log
  std::size_t end = 0;      // byte offset just past the last line that belongs to it
  std::size_t skip = 0;     // where to continue looking for the next crash
  std::string report;       // the report text, console prefixes stripped, one line per "\n"
  std::size_t report_prefix_len = 0;  // bytes of context lines at the front of `report`
};

// True if the log contains any line that starts a crash report (one multi-pattern scan).
bool contains_crash(std::string_view log);

// Whether one console line (without its line end) starts a crash report, by the oops table: it
// holds the header of a kind of report ("BUG:", "WARNING:", "Kernel panic", ...) and is none of
// that kind's known harmless lines. The parser's own test for a report's first line, for callers
// that watch a console line by line as it arrives.
bool starts_crash_report(std::string_view line);

// The first crash report found at or after byte offset `from` of `log`, if any. Offsets in the
// result are relative to the whole `log`. As syzkaller judges a console's first report, the
// suppressions and the console hangup are looked for in the whole log, the panic from `from` on.
std::optional<CrashReport> parse_first(std::string_view log, std::size_t from = 0);

// Every crash report in the log, in order of appearance, in time proportional to the log's size.
// Each report is judged on its own stretch of console (report/report_cursor.h): its text ends
// where the second report after it starts, and the panic, hangup and suppression markers count
// from the end of the previous report's first line to 256 KiB past its own. The first report is
// the same as parse_first's but for those markers. report/console_stream.h gives the same
// reports from a log read piece by piece.
std::vector<CrashReport> parse_console(std::string_view log);

// The crash category of a normalised title, e.g. "KASAN-USE-AFTER-FREE-READ", "LOCKDEP",
// "HANG"; "" when the title does not belong to a known category.
std::string crash_type(std::string_view title);

// The source file most likely to blame for a symbolized report (frames carrying "path.c:LINE"),
// skipping generic infrastructure (locking, allocators, sanitizers, ...). `title` selects special
// cases (RCU stalls start at the interrupt entry). "" when no file reference qualifies.
std::string guilty_file(std::string_view title, std::string_view report);

// Applies the title normalisation of the parser to any string (exposed for tests).
std::string normalize_title(std::string_view title);

}  // namespace culprit::report
