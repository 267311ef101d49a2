// The console parser: collects the report that follows an oops line (same console context,
// prefixes stripped), builds the title from the oops table, and judges whether the report is
// complete. Where reports start and end is found by report_cursor.cc.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/text.h"
#include "report/compiled_rules.h"
#include "report/console_lines.h"
#include "report/demangle.h"
#include "report/fast_match.h"
#include "report/frame_pick.h"
#include "report/literal_scanner.h"
#include "report/oops_table.h"
#include "report/regex_util.h"
#include "report/report.h"
#include "report/report_builder.h"
#include "report/report_cursor.h"
#include "report/title_internal.h"

namespace culprit::report {
namespace {

using namespace detail;  // report/compiled_rules.h, report/console_lines.h, report/frame_pick.h

constexpr std::string_view kCorruptedNoFrames = "extracted no frames";

// ---------------------------------------------------------------------------------------------
// Lines and console context.

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

bool line_starts_oops(std::string_view line, const CompiledKind& kind) {
  return contains(line, kind.source->header) && !contains_match(kind.not_oops.get(), line);
}

// ---------------------------------------------------------------------------------------------
// Finding the report.

struct OopsStart {
  const CompiledKind* kind = nullptr;
  Context context;
};

struct CollectedReport {
  std::size_t report_end = 0;            // length of `text` that belongs to this report alone
  std::string text;                      // stripped lines of the report context
  std::vector<std::size_t> line_ends;    // where each line of `text` ends (at its "\n")
  std::vector<std::string_view> prefix;  // context lines before the oops line
};

// The report starting at `oops` in the lines `lines` of `console` (which end where the report's
// text must end, and start where its context lines may start). Without caller tags only the lines
// before `next_report` (the next report's first line) count for the title.
CollectedReport collect_report(const ConsoleLines& console, const ConsoleLine* first,
                               const ConsoleLine* oops_line, const ConsoleLine* last,
                               const OopsStart& oops, std::size_t next_report) {
  CollectedReport out;
  // Lines just before the oops often say what was going on; with task tags (printk caller info)
  // more of them are reliably from the same task.
  std::size_t max_prefix = has_task_tag(oops.context.tag) ? 50 : 5;
  const std::uint64_t key = ConsoleLines::context_key(oops.context);
  {
    // Walk backwards over the lines before the oops line, keeping the nearest ones.
    std::vector<std::string_view> reversed;
    for (const ConsoleLine* line = oops_line; line != first && reversed.size() < max_prefix;) {
      --line;
      std::string_view stripped = console.stripped(*line);
      if (!line->unreliable && !stripped.empty() && console.in_context(*line, oops.context, key)) {
        reversed.push_back(stripped);
      }
    }
    out.prefix.assign(reversed.rbegin(), reversed.rend());
  }

  std::size_t text_lines = 0;
  bool skip_text = false;
  bool cpu_traceback = false;
  // Whether a caller tag is a CPU's, for a traceback of all CPUs: asked again only when the tag
  // changes (consecutive lines mostly share theirs).
  std::string_view cpu_tag_asked;
  bool cpu_tag = false;
  auto is_cpu_tag = [&](std::string_view tag) {
    if (cpu_tag_asked.data() == nullptr || tag != cpu_tag_asked) {
      cpu_tag_asked = tag.data() == nullptr ? std::string_view("", 0) : tag;
      cpu_tag = has_cpu_tag(tag);
    }
    return cpu_tag;
  };
  // The text is at most the lines' bytes (a report's few KiB, or the span's 256 KiB when its
  // lines are other callers'): reserved up to a bound instead of grown by doubling.
  constexpr std::size_t kMaxReserve = std::size_t{64} << 10;
  if (oops_line != last)
    out.text.reserve(std::min((last - 1)->end - oops_line->pos + 1, kMaxReserve));
  // KMSAN reports are shorter (no registers, no "Call Trace:").
  const std::size_t min_lines = contains(console.text(*oops_line), "BUG: KMSAN:") ? 16 : 22;
  for (const ConsoleLine* line = oops_line; line != last; ++line) {
    bool is_oops_line = line == oops_line;
    if (!is_oops_line) {
      if (!console.in_context(*line, oops.context, key) &&
          (!cpu_traceback || !is_cpu_tag(console.context(*line).tag))) {
        continue;
      }
      if (line->unreliable) continue;
    }
    ++text_lines;
    bool skip_line = skip_text;
    if ((line->markers & kTaintNote) != 0) {
      skip_line = true;
    } else if ((line->markers & kAllCpuBacktrace) != 0) {
      // A traceback of all CPUs follows; keep the other CPUs' lines too.
      cpu_traceback = true;
    } else if ((line->markers & kRepeatedStack) != 0 && text_lines > min_lines) {
      // The panic after a WARNING (panic_on_warn) and lockdep splats caused by the oops itself
      // only repeat the stack; once the report is long enough, drop them.
      skip_text = true;
      skip_line = true;
    }
    if (!is_oops_line && skip_line) continue;
    out.text.append(console.stripped(*line));
    out.line_ends.push_back(out.text.size());
    out.text += '\n';
    if (line->pos < next_report || oops.context.has_tag()) out.report_end = out.text.size();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Titles.

// Whether a frame is never blamed, whatever the report (CompiledRules::skip_frames). The answers
// are kept per name: the same kernel functions are in most stacks (entry code, syscalls, locking,
// allocators), and one search of the ~240 alternatives costs ~10 lookups. Per thread, as the
// parser may run on several; dropped when many, so that the memory stays small.
bool never_blamed(const std::string& frame) {
  constexpr std::size_t kMaxKept = 4096;
  thread_local std::unordered_map<std::string, bool> known;
  if (auto it = known.find(frame); it != known.end()) return it->second;
  if (known.size() >= kMaxKept) known.clear();
  bool skip = contains_match(compiled().skip_frames.get(), frame);
  known.emplace(frame, skip);
  return skip;
}

// Adds a frame a stack line names, unless it is never blamed.
void append_frame(std::vector<std::string>& frames, std::string_view name,
                  const CompiledStack& stack) {
  std::string frame = demangle_symbol(name);
  if (!never_blamed(frame) && !contains_match(stack.skip.get(), frame)) {
    frames.push_back(std::move(frame));
  }
}

// Adds the frames a stack line names (its captures), but those never blamed.
void append_frames(std::vector<std::string>& frames, const Groups& groups,
                   const CompiledStack& stack) {
  for (std::size_t i = 1; i < groups.size(); ++i) {
    if (groups[i]) append_frame(frames, *groups[i], stack);
  }
}

void append_frames(std::vector<std::string>& frames, const FrameNames& names,
                   const CompiledStack& stack) {
  for (std::size_t i = 0; i < names.count; ++i) append_frame(frames, names.names[i], stack);
}

// The frames a line names by the first frame-line pattern it matches; nullopt if none does.
std::optional<FrameNames> first_frame_line(std::string_view line) {
  const CompiledRules& rules = compiled();
  if (rules.fast_frame_lines) return match_frame_line(line);
  // Most lines are no frame at all: one test of the alternation rules them out.
  if (!contains_match(rules.any_frame_line.get(), line)) return std::nullopt;
  for (const auto& re : rules.frame_lines) {
    if (auto groups = search(*re, line)) {
      FrameNames names;
      for (std::size_t i = 1; i < groups->size() && names.count < names.names.size(); ++i) {
        if ((*groups)[i]) names.names[names.count++] = *(*groups)[i];
      }
      return names;
    }
  }
  return std::nullopt;
}

// The lines of a report's text, and which of them may be a corrupted frame or start a stack
// trace: one Hyperscan pass over the text (prefilter mode) finds them, so that only those are
// searched with RE2 as the stack walk and the stack-trace check read the text line by line.
class LineHints {
 public:
  enum Hint : std::uint8_t { kCorrupted = 1, kStackStart = 2 };

  // `line_ends`: where each line of `text` ends, when known (else the text is split here).
  explicit LineHints(std::string_view text, const std::vector<std::size_t>* line_ends = nullptr)
      : text_(text) {
    // A "\r" at a line's end is not in the line (split_lines).
    const bool has_cr = text.find('\r') != std::string_view::npos;
    if (line_ends != nullptr && !has_cr) {
      lines_.reserve(line_ends->size());
      std::size_t start = 0;
      for (std::size_t end : *line_ends) {
        lines_.push_back(text.substr(start, end - start));
        start = end + 1;
      }
    } else {
      lines_ = split_lines(text);
    }
    hints_.assign(lines_.size(), 0);
    const CompiledRules& rules = compiled();
    occurs_.assign(rules.stack_starts.size(), false);
    // A "\r" before a "\n" is not in the line the patterns see, but would stop a "$" there.
    bool searched =
        !has_cr && rules.line_hints->for_each_match(text, [&](unsigned id, std::size_t end) {
          // A match that ends on a "\n" is in no line.
          std::size_t line = line_before(end - 1);
          if (end == 0 || !inside(line, end - 1)) return;
          if (id < rules.line_hints_stack_base) {
            hints_[line] |= kCorrupted;
          } else {
            hints_[line] |= kStackStart;
            occurs_[id - rules.line_hints_stack_base] = true;
          }
        });
    if (!searched) {
      hints_.assign(lines_.size(), kCorrupted | kStackStart);
      occurs_.assign(rules.stack_starts.size(), true);
    }
  }

  std::string_view text() const { return text_; }
  const std::vector<std::string_view>& lines() const { return lines_; }
  // Whether line i may be of the kind (false: it is not).
  bool may_be(std::size_t line, Hint hint) const { return (hints_[line] & hint) != 0; }
  // Whether stack start i (table order) may occur in the text.
  bool stack_start_occurs(std::size_t i) const { return occurs_[i]; }

  std::size_t offset_of(std::size_t line) const {
    return static_cast<std::size_t>(lines_[line].data() - text_.data());
  }
  // The last line starting at or before text offset `pos` (0 when there is none).
  std::size_t line_before(std::size_t pos) const {
    auto after = std::upper_bound(lines_.begin(), lines_.end(), pos,
                                  [&](std::size_t p, std::string_view line) {
                                    return p < static_cast<std::size_t>(line.data() - text_.data());
                                  });
    return after == lines_.begin() ? 0 : static_cast<std::size_t>(after - lines_.begin()) - 1;
  }
  // Whether text offset `pos` is in line i's text (not its line end).
  bool inside(std::size_t line, std::size_t pos) const {
    return line < lines_.size() && pos >= offset_of(line) &&
           pos < offset_of(line) + lines_[line].size();
  }

 private:
  std::string_view text_;
  std::vector<std::string_view> lines_;
  std::vector<std::uint8_t> hints_;
  std::vector<bool> occurs_;
};

// Walks the report following `parts` from text offset `from` (where the title matched); returns
// one frame per stack and whether all were found. A part is searched for in all the lines left
// at once (`parts_in_lines`), and only the lines found are checked alone; stack frames are read
// line by line, a corrupted line or a stack start searched for only where the hints say.
std::pair<std::vector<Frame>, bool> extract_frames_with(
    const CompiledStack& stack, const std::vector<std::unique_ptr<RE2>>& parts,
    const std::vector<PartFinder>& parts_in_lines, const LineHints& hints, std::size_t from,
    std::size_t text_end) {
  const CompiledRules& rules = compiled();
  const std::vector<std::string_view>& all_lines = hints.lines();
  // The walk reads the lines of the text's first `text_end` bytes (whole lines) from `from` on:
  // walk line 0 is what is left of the line `from` is on ("" when `from` is on its line end),
  // walk line i > 0 is line base + i of the text. Walk line 0 is checked with every pattern, the
  // others as the hints say.
  const std::size_t base = hints.line_before(from);
  std::size_t count = 0;
  std::string_view first_line;
  if (from < text_end) {
    count = hints.line_before(text_end - 1) + 1 - base;
    if (hints.inside(base, from)) first_line = all_lines[base].substr(from - hints.offset_of(base));
  }
  auto line_at = [&](std::size_t i) { return i == 0 ? first_line : all_lines[base + i]; };
  auto may_be = [&](std::size_t i, LineHints::Hint hint) {
    return i == 0 || hints.may_be(base + i, hint);
  };
  auto corrupted = [&](std::size_t i) {
    return may_be(i, LineHints::kCorrupted) &&
           contains_match(rules.corrupted_lines.get(), line_at(i));
  };
  // The first walk line at or after i that `part` may be on (`count` if none), by one search.
  auto next_candidate = [&](std::size_t part, std::size_t i) {
    if (i == 0 || i >= count) return std::min(i, count);
    std::size_t offset = hints.offset_of(base + i);
    std::string_view rest = hints.text().substr(offset, text_end - offset);
    std::size_t found = parts_in_lines[part].find(rest);
    if (found == std::string_view::npos) return count;
    // A match that starts on a line end is checked on the line after it.
    std::size_t at = offset + found;
    std::size_t line = hints.line_before(at);
    if (!hints.inside(line, at)) ++line;
    return std::min(line - base, count);
  };
  std::size_t next_line = 0;
  std::vector<std::string> raw_frames;
  std::vector<Frame> results;
  bool ok = true;
  int stack_traces = 0;
  for (std::size_t part = 0;; ++part) {
    if (part == parts.size() || (parts[part] == nullptr && stack_traces > 0)) {
      Frame frame = pick_frame(stack, raw_frames);
      if (frame.canonical.empty()) {
        frame = {"corrupted", "corrupted"};
        ok = false;
      }
      results.push_back(std::move(frame));
      raw_frames.clear();
    }
    if (part == parts.size()) break;
    if (parts[part] == nullptr) {
      ++stack_traces;
      const bool has_next = part + 1 != parts.size();
      // The top frame is all the last stack gives: once it is known, the lines left only say
      // whether the stack ends in a corrupted line, and only the lines hinted can.
      const bool top_only = !has_next && stack.pick == FramePick::kTop;
      std::size_t candidate = has_next ? next_candidate(part + 1, next_line) : count;
      while (next_line < count) {
        std::size_t i = next_line++;
        std::string_view line = line_at(i);
        if (top_only && !raw_frames.empty() && i > 0 &&
            !hints.may_be(base + i, LineHints::kCorrupted) &&
            !hints.may_be(base + i, LineHints::kStackStart)) {
          continue;
        }
        if (corrupted(i)) {
          ok = false;
          break;
        }
        if (may_be(i, LineHints::kStackStart) &&
            contains_match(rules.any_stack_start.get(), line)) {
          break;
        }
        if (i == candidate) {
          if (auto groups = search(*parts[part + 1], line)) {
            append_frames(raw_frames, *groups, stack);
            ++part;
            break;
          }
          candidate = next_candidate(part + 1, next_line);
        }
        if (top_only && !raw_frames.empty()) continue;
        if (auto groups = first_frame_line(line)) {
          append_frames(raw_frames, *groups, stack);
        }
      }
    } else {
      while (next_line < count) {
        // The next line that may hold the part; a corrupted line before it ends the walk.
        std::size_t candidate = next_candidate(part, next_line);
        std::size_t i = next_line;
        while (i < candidate && !corrupted(i)) ++i;
        if (i == count) {
          next_line = count;
          break;
        }
        next_line = i + 1;
        if (i < candidate || corrupted(i)) {
          ok = false;
          break;
        }
        if (auto groups = search(*parts[part], line_at(i))) {
          append_frames(raw_frames, *groups, stack);
          break;
        }
      }
    }
  }
  return {results, ok};
}

std::pair<std::vector<Frame>, bool> extract_frames(const CompiledStack& stack,
                                                   const LineHints& hints, std::size_t from,
                                                   std::size_t text_end) {
  auto result =
      extract_frames_with(stack, stack.parts, stack.parts_in_lines, hints, from, text_end);
  if (result.second || stack.fallback_parts.empty()) return result;
  return extract_frames_with(stack, stack.fallback_parts, stack.fallback_parts_in_lines, hints,
                             from, text_end);
}

struct Description {
  std::string title;
  std::string corrupted;
  std::vector<std::string> alt_titles;
  const CompiledFormat* format = nullptr;
};

void add_unique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

// The title of the report in the first `size` bytes of the hints' text (whole lines).
Description describe(const LineHints& hints, std::size_t size, const CompiledKind& kind) {
  const std::string_view text = hints.text().substr(0, size);
  Description out;
  std::size_t start = text.size();
  bool matched_title = false;
  // Which title patterns occur at all, in one pass; only those are searched for where.
  std::vector<bool> occurs = kind.titles != nullptr ? kind.titles->may_occur(text)
                                                    : std::vector<bool>(kind.formats.size(), true);
  for (std::size_t index = 0; index < kind.formats.size(); ++index) {
    if (!occurs[index]) continue;
    const CompiledFormat& format = kind.formats[index];
    auto groups = search(*format.title, text);
    if (!groups) continue;
    std::size_t match_start = (*groups)[0]->data() - text.data();
    if (match_start > start) continue;
    if (match_start == start && !out.title.empty()) continue;
    if (match_start < start) {
      out.title.clear();
      out.format = nullptr;
      start = match_start;
    }
    matched_title = true;
    if (format.report != nullptr) {
      groups = search(*format.report, text);
      if (!groups) continue;
    }
    std::vector<std::string> captures;
    for (std::size_t i = 1; i < groups->size(); ++i) {
      captures.emplace_back((*groups)[i] ? *(*groups)[i] : std::string_view());
    }
    std::vector<Frame> frames;
    out.corrupted.clear();
    if (format.stack != nullptr) {
      std::size_t from = (*groups)[0]->data() - text.data();
      auto [extracted, ok] = extract_frames(*format.stack, hints, from, text.size());
      frames = std::move(extracted);
      if (!ok) out.corrupted = kCorruptedNoFrames;
    }
    std::vector<std::string> args = captures;
    for (const Frame& frame : frames) args.push_back(frame.canonical);
    out.title = fill_template(format.source->format, args);
    for (std::string_view alt : format.source->alt) {
      add_unique(out.alt_titles, fill_template(alt, args));
    }
    // Titles with the raw frame names and with each syscall prefix removed help to match
    // reports of the same bug from kernels that name entry points differently.
    const auto& prefixes = console_rules().strip_frame_prefixes;
    for (std::size_t variant = 0; variant <= prefixes.size(); ++variant) {
      // A prefix that no frame starts with changes nothing: known before building anything.
      auto strips = [&](const Frame& frame) {
        return variant > 0 && frame.raw.starts_with(prefixes[variant - 1]);
      };
      if (variant > 0 && std::none_of(frames.begin(), frames.end(), strips)) continue;
      std::vector<std::string> variant_args = captures;
      for (const Frame& frame : frames) {
        variant_args.push_back(strips(frame) ? frame.raw.substr(prefixes[variant - 1].size())
                                             : frame.raw);
      }
      std::string variant_title = fill_template(format.source->format, variant_args);
      if (variant_title != out.title) add_unique(out.alt_titles, variant_title);
      for (std::string_view alt : format.source->alt) {
        add_unique(out.alt_titles, fill_template(alt, variant_args));
      }
    }
    out.format = &format;
  }
  if (out.title.empty()) {
    // The header is there but no format fits: the report is garbled. Use the header line.
    if (matched_title) out.corrupted = "matched title but not report regexp";
    std::size_t pos = text.find(kind.source->header);
    if (pos == std::string_view::npos) return out;
    std::size_t end = text.find('\n', pos);
    out.title = std::string(text.substr(pos, end == std::string_view::npos ? end : end - pos));
  }
  if (out.corrupted.empty() && out.format != nullptr && out.format->source->corrupted) {
    out.corrupted = "report format is marked as corrupted";
  }
  return out;
}

// Whether a report that produced a title is still unreliable: merged lines in the title, or a
// stack trace header without frames after it.
std::string corruption_of(std::string_view title, const LineHints& hints,
                          const CompiledFormat* format) {
  const std::string_view report = hints.text();
  const CompiledRules& rules = compiled();
  if (has_timestamp(title)) return "title matches corrupted regexp";
  if (format == nullptr || format->source->no_stack_trace) return "";
  bool has_stack_trace = false;
  // Only the stack starts the hints found are searched for where.
  for (std::size_t i = 0; i < rules.stack_starts.size(); ++i) {
    if (!hints.stack_start_occurs(i)) continue;
    const auto& start = rules.stack_starts[i];
    auto groups = search(*start, report);
    if (!groups) continue;
    std::size_t from = (*groups)[0]->data() - report.data();
    // The trace's first 16 lines are all that is looked at.
    std::string_view trace = report.substr(from);
    std::size_t newlines = 0;
    for (std::size_t pos = trace.find('\n'); pos != std::string_view::npos && newlines < 16;
         pos = trace.find('\n', pos + 1)) {
      if (++newlines == 16) trace = trace.substr(0, pos);
    }
    // As syzkaller counts them: the pieces between "\n"s, an empty one after the last included.
    if (newlines + 1 < 4) return "call trace is missed";
    std::vector<std::string_view> lines = split_lines(trace);
    // Line i > 0 of the trace is line first + i of the report.
    const std::size_t first = hints.line_before(from);
    bool corrupted = true;
    for (std::size_t i = 1; i < 16 && i < lines.size(); ++i) {
      if (hints.may_be(first + i, LineHints::kStackStart) &&
          contains_match(rules.any_stack_start.get(), lines[i])) {
        break;
      }
      if (contains(lines[i], "(stack is not available)") || first_frame_line(lines[i])) {
        has_stack_trace = true;
        corrupted = false;
        break;
      }
    }
    if (start.get() != rules.riscv_stack_start && corrupted) return "no frames in a stack trace";
  }
  if (!has_stack_trace) return "no stack trace in report";
  return "";
}

std::optional<ExecutorInfo> executor_of(std::string_view report) {
  // What the pattern starts with (found by its first letter: a space is everywhere).
  if (find_spaced(report, "Comm: syz.") == std::string_view::npos) return std::nullopt;
  auto groups = match_executor_comm(report);
  if (!groups) return std::nullopt;
  ExecutorInfo info;
  std::string_view proc = (*groups)[0];
  std::string_view id = (*groups)[1];
  auto proc_result = std::from_chars(proc.data(), proc.data() + proc.size(), info.proc);
  auto id_result = std::from_chars(id.data(), id.data() + id.size(), info.id);
  if (proc_result.ec != std::errc() || id_result.ec != std::errc()) return std::nullopt;
  return info;
}

}  // namespace

namespace detail {

CrashReport build_report(const ReportBounds& bounds, const LogFlags& flags) {
  std::string_view log = bounds.text;
  const std::size_t start = bounds.start - bounds.base;
  const ConsoleLines& console = *bounds.lines;
  auto [first, last] = console.range(bounds.base, bounds.base + log.size());
  const ConsoleLine* oops_line = console.range(bounds.start, bounds.start + 1).first;
  const OopsStart oops{bounds.kind, console.context(*oops_line)};
  CollectedReport collected = collect_report(console, first, oops_line, last, oops,
                                             std::max(bounds.next_report, bounds.base));
  CrashReport out;
  out.start = bounds.start;
  out.end = bounds.end;
  std::vector<std::string_view> prefix = std::move(collected.prefix);
  std::string report_text = std::move(collected.text);
  auto hints = std::make_unique<LineHints>(report_text, &collected.line_ends);
  Description description = describe(*hints, collected.report_end, *oops.kind);
  if (description.title.empty()) {
    // The header was hidden in what looked like a console prefix: retry on the raw lines.
    prefix.clear();
    std::size_t raw_end = std::max(start, std::min(bounds.end - bounds.base, log.size()));
    report_text = std::string(log.substr(start, raw_end - start));
    hints = std::make_unique<LineHints>(report_text);
    description = describe(*hints, report_text.size(), *oops.kind);
  }
  out.title = normalize_title(description.title);
  for (std::string& alt : description.alt_titles) alt = normalize_title(alt);
  out.alt_titles = std::move(description.alt_titles);
  out.corrupted_reason = std::move(description.corrupted);
  std::size_t report_size = report_text.size();
  for (std::string_view line : prefix) report_size += line.size() + 1;
  out.report.reserve(report_size);
  for (std::string_view line : prefix) {
    out.report += line;
    out.report += '\n';
  }
  out.report_prefix_len = out.report.size();
  out.report += report_text;
  out.executor = executor_of(out.report);
  if (out.corrupted_reason.empty()) {
    // Judged on the title before normalisation, which still shows merged console prefixes.
    out.corrupted_reason = corruption_of(description.title, *hints, description.format);
  }
  out.corrupted = !out.corrupted_reason.empty();
  out.panicked = flags.panicked;
  out.type = crash_type(out.title);
  out.suppressed = flags.suppressed;
  if (flags.console_hangup) {
    out.corrupted = true;
    if (out.corrupted_reason.empty()) out.corrupted_reason = "console disconnected";
  }
  out.frame = title_frame(out.title);
  std::size_t newline = log.find('\n', start);
  out.skip = bounds.base + (newline == std::string_view::npos ? log.size() : newline);
  out.end = std::max(out.end, out.skip);
  out.guilty_file =
      guilty_file(out.title, std::string_view(out.report).substr(out.report_prefix_len));
  return out;
}

std::string context_key(std::string_view line) {
  Context context = context_of(line);
  if (!context.timestamped) return "";
  return "T" + std::string(context.tag);
}

const CompiledKind* oops_kind(std::string_view line) {
  for (const CompiledKind& kind : compiled().kinds) {
    if (line_starts_oops(line, kind)) return &kind;
  }
  return nullptr;
}

const CompiledKind* oops_kind(std::string_view line, std::uint64_t headers) {
  const std::vector<CompiledKind>& kinds = compiled().kinds;
  for (std::size_t i = 0; i < kinds.size() && i < 64; ++i) {
    if (((headers >> i) & 1) != 0 && !contains_match(kinds[i].not_oops.get(), line)) {
      return &kinds[i];
    }
  }
  return nullptr;
}

}  // namespace detail

bool contains_crash(std::string_view log) {
  return ReportCursor::contains_oops(log);
}

bool starts_crash_report(std::string_view line) {
  return detail::oops_kind(line) != nullptr;
}

std::optional<CrashReport> parse_first(std::string_view log, std::size_t from) {
  if (from > log.size()) return std::nullopt;
  // The report as the cursor finds it; the log-wide markers from the whole log (from `from` on
  // for the panic), as syzkaller judges the first report of a console.
  ReportCursor cursor(from);
  cursor.set_view(log.substr(from), from, /*complete=*/true);
  std::optional<CrashReport> found = cursor.next();
  if (!found) return std::nullopt;
  const ConsoleRules& rules = console_rules();
  CrashReport& report = *found;
  report.panicked = contains(log.substr(from), rules.panic_marker);
  report.suppressed = contains_match(compiled().suppressions.get(), log);
  if (contains(log, rules.console_hangup)) {
    report.corrupted = true;
    if (report.corrupted_reason.empty()) report.corrupted_reason = "console disconnected";
  }
  return found;
}

std::vector<CrashReport> parse_console(std::string_view log) {
  std::vector<CrashReport> reports;
  ReportCursor cursor(0);
  cursor.set_view(log, 0, /*complete=*/true);
  while (std::optional<CrashReport> report = cursor.next()) reports.push_back(std::move(*report));
  return reports;
}

}  // namespace culprit::report
