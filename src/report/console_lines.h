// Console lines as the report parser reads them (internal to src/report): each line's console
// context (printk timestamp, caller tag), its text without the console prefix, and the few
// markers that shape a report's text.
//
// In a crash-dense console every line is read by several reports: a report's text runs on into
// the next report, and the next report's context lines are the previous one's tail. So the facts
// are worked out once per line and kept (ConsoleLines) while the reports that may read the line
// are built, instead of once per report that reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace culprit::report::detail {

// The offset of the first " " + `word` in `text` at or after `from` (npos if none). Searching
// for the word's own first byte is much faster than for a space, which is on every line many
// times.
std::size_t find_spaced(std::string_view text, std::string_view word, std::size_t from = 0);

// The console context of a line: whether it has a printk timestamp, and its caller tag
// ("[  T123]" for a task, "[  C1]" for a CPU) if any.
struct Context {
  bool timestamped = false;
  std::string_view tag;
  bool operator==(const Context& other) const {
    return timestamped == other.timestamped && tag == other.tag;
  }
  bool has_tag() const { return !tag.empty(); }
};

// What a login prompt in front of a console prefix looks like (after a space).
inline constexpr std::string_view kLoginPrompt = "login: ";

// The context of one line (without its line end); `has_login_prompt` when the line holds
// " " + kLoginPrompt (then the prefix may follow the prompt).
Context context_of(std::string_view line);
Context context_of(std::string_view line, bool has_login_prompt);

// The console prefix in front of a line's text, with the dropped-messages note and login prompt
// that may come before it (the pattern kConsolePrefix stands for; tested against RE2).
inline constexpr std::string_view kConsolePrefix =
    R"(^(?:\*\* [0-9]+ printk messages dropped \*\* )?(?:.* login: )?(?:\<[0-9]+\>)?\[ *[0-9]+\.[0-9]+\](\[ *(?:C|T)[0-9]+\])? )";

// The context kConsolePrefix's leftmost match in `line` gives (its group 1 is the tag), if any.
std::optional<Context> match_console_prefix(std::string_view line);

// The line without its console prefix, and whether it is an unreliable stack frame (" ? func").
std::pair<std::string_view, bool> strip_prefix(std::string_view line, const Context& context);

// Console markers a report's text is cut or widened at (collect_report in parser.cc), as bits of
// ConsoleLine::markers.
enum LineMarker : std::uint8_t {
  kTaintNote = 1,        // "Disabling lock debugging due to kernel taint": never in the text
  kAllCpuBacktrace = 2,  // "Sending NMI from CPU": other CPUs' lines follow
  kRepeatedStack = 4,    // the panic marker or a lockdep splat, which only repeat the stack
};

// What the parser needs of one console line, as console offsets.
struct ConsoleLine {
  std::size_t pos = 0;       // the line's first byte
  std::size_t end = 0;       // just past its text ("\n" and a "\r" before it excluded)
  std::size_t body = 0;      // where its text after the console prefix starts
  std::size_t body_end = 0;  // and ends (without a powerpc " (unreliable)")
  std::size_t tag = 0;       // its caller tag (when tag_size > 0)
  std::size_t tag_size = 0;
  bool timestamped = false;
  // A hash of the context (timestamped, tag): lines whose keys differ are in different contexts,
  // and those whose keys are equal almost always in the same one.
  std::uint64_t context_key = 0;
  bool unreliable = false;   // an unreliable stack frame (" ? func")
  std::uint8_t markers = 0;  // LineMarker bits
};

// The lines of a stretch of console, worked out once each. Lines are cut as a reader starting at
// the first offset the cache was extended from would cut them: there, and after each "\n".
class ConsoleLines {
 public:
  // Makes the cache hold every line that starts in [from, to) of the console bytes `view` (whose
  // first byte is console offset `base`), for the reads below until the next call. `to` is a line
  // start or the end of the view; `from` never decreases from call to call (lines before it are
  // dropped) unless the cache starts over.
  void cover(std::string_view view, std::size_t base, std::size_t from, std::size_t to);

  // The lines held that start in [from, to), in order.
  std::pair<const ConsoleLine*, const ConsoleLine*> range(std::size_t from, std::size_t to) const;

  std::string_view text(const ConsoleLine& line) const { return bytes(line.pos, line.end); }
  std::string_view stripped(const ConsoleLine& line) const {
    return bytes(line.body, line.body_end);
  }
  // Whether a line is in context `context`, whose context_key() is `key`.
  bool in_context(const ConsoleLine& line, const Context& context, std::uint64_t key) const {
    return line.context_key == key && this->context(line) == context;
  }
  static std::uint64_t context_key(const Context& context);

  Context context(const ConsoleLine& line) const {
    return Context{
        .timestamped = line.timestamped,
        .tag = line.tag_size == 0 ? std::string_view() : bytes(line.tag, line.tag + line.tag_size)};
  }

 private:
  std::string_view bytes(std::size_t from, std::size_t to) const {
    return view_.substr(from - base_, to - from);
  }
  void add_lines(std::size_t to);

  std::string_view view_;
  std::size_t base_ = 0;
  std::vector<ConsoleLine> lines_;
  std::size_t first_ = 0;    // lines_[first_] is the first line held
  std::size_t start_ = 0;    // where the cache started cutting lines
  std::size_t covered_ = 0;  // console offset up to which lines are held
  bool open_end_ = false;    // the last line held ends where the view did, without a "\n"
};

}  // namespace culprit::report::detail
