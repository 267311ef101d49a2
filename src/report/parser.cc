// The console parser: collects the report that follows an oops line (same console context,
// prefixes stripped), builds the title from the oops table, and judges whether the report is
// complete. Where reports start and end is found by report_cursor.cc.
#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "report/compiled_rules.h"
#include "report/demangle.h"
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

using namespace detail;  // report/compiled_rules.h, report/frame_pick.h

constexpr std::string_view kCorruptedNoFrames = "extracted no frames";

// ---------------------------------------------------------------------------------------------
// Lines and console context.

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

// The offset of the first " " + `word` in `text` (npos if none). Searching for the word's own
// first byte is much faster than for a space, which is on every line many times.
std::size_t find_spaced(std::string_view text, std::string_view word) {
  for (std::size_t pos = text.find(word, 1); pos != std::string_view::npos;
       pos = text.find(word, pos + 1)) {
    if (text[pos - 1] == ' ') return pos - 1;
  }
  return std::string_view::npos;
}

// Iterates over the lines of `text` starting at byte `pos`; a line excludes its "\n" and a "\r"
// before it.
struct LineCursor {
  std::string_view text;
  std::size_t pos = 0;
  std::size_t line_start = 0;
  std::size_t line_end = 0;  // offset of the "\n" (or the end of text)

  bool next(std::string_view& line) {
    if (pos >= text.size()) return false;
    line_start = pos;
    std::size_t newline = text.find('\n', pos);
    line_end = newline == std::string_view::npos ? text.size() : newline;
    line = text.substr(pos, line_end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = line_end + 1;
    return true;
  }
};

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

// Parses "[<level>][  123.456789][  T123] " at the start of `line` (level and caller tag
// optional). Returns false if the line does not start like that.
bool parse_plain_prefix(std::string_view line, Context& context) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
    return i > start;
  };
  auto spaces = [&] {
    while (i < line.size() && line[i] == ' ') ++i;
  };
  auto eat = [&](char c) {
    if (i >= line.size() || line[i] != c) return false;
    ++i;
    return true;
  };
  if (eat('<') && !(digits() && eat('>'))) return false;
  if (!eat('[')) return false;
  spaces();
  if (!(digits() && eat('.') && digits() && eat(']'))) return false;
  std::size_t tag_start = i;
  if (eat('[')) {
    spaces();
    if ((eat('C') || eat('T')) && digits() && eat(']') && eat(' ')) {
      context = Context{.timestamped = true, .tag = line.substr(tag_start, i - 1 - tag_start)};
      return true;
    }
    return false;
  }
  if (!eat(' ')) return false;
  context = Context{.timestamped = true};
  return true;
}

Context context_of(std::string_view line) {
  // Every console prefix contains "]": skip the regexp for the many lines without one.
  if (line.find(']') == std::string_view::npos) return {};
  // Most lines are a plain prefix; only lines with a dropped-messages note or a login prompt in
  // front of the prefix need the full pattern.
  if (line.substr(0, 3) != "** " && find_spaced(line, "login: ") == std::string_view::npos) {
    Context context;
    parse_plain_prefix(line, context);
    return context;
  }
  auto groups = search(*compiled().console_prefix, line);
  if (!groups) return {};
  Context context{.timestamped = true};
  if ((*groups)[1]) context.tag = *(*groups)[1];
  return context;
}

// The line without its console prefix, and whether it is an unreliable stack frame (" ? func").
std::pair<std::string_view, bool> strip_prefix(std::string_view line, const Context& context) {
  if (!context.timestamped) return {line, false};
  std::size_t bracket = line.find("] ");
  line = line.substr(bracket + 2);
  if (!contains(line, "<EOI>")) {
    // "(\[<addr>\])? \? " anywhere: the address part is optional, so " ? " decides.
    if (std::size_t mark = find_spaced(line, "? "); mark != std::string_view::npos) {
      return {line.substr(mark + 2), true};
    }
    constexpr std::string_view kUnreliable = " (unreliable)";  // powerpc
    if (line.size() >= kUnreliable.size() &&
        line.substr(line.size() - kUnreliable.size()) == kUnreliable) {
      return {line.substr(0, line.size() - kUnreliable.size()), true};
    }
  }
  return {line, false};
}

bool line_starts_oops(std::string_view line, const CompiledKind& kind) {
  return contains(line, kind.source->header) && !contains_match(kind.not_oops.get(), line);
}

// ---------------------------------------------------------------------------------------------
// Finding the report.

struct OopsStart {
  const CompiledKind* kind = nullptr;
  std::size_t pos = 0;
  Context context;
};

struct CollectedReport {
  std::size_t report_end = 0;       // length of `text` that belongs to this report alone
  std::string text;                 // stripped lines of the report context
  std::vector<std::string> prefix;  // context lines before the oops line
};

// The report starting at `oops` in `log`, which ends where the report's text must end (the next
// report's first line) and starts where its context lines may start.
CollectedReport collect_report(std::string_view log, const OopsStart& oops,
                               std::size_t next_report) {
  const CompiledRules& rules = compiled();
  const std::string_view panic_marker = console_rules().panic_marker;
  CollectedReport out;
  // Lines just before the oops often say what was going on; with task tags (printk caller info)
  // more of them are reliably from the same task.
  std::size_t max_prefix = contains_match(rules.task_context.get(), oops.context.tag) ? 50 : 5;
  {
    // Walk backwards over the lines before the oops line, keeping the nearest ones.
    std::vector<std::string> reversed;
    std::string_view before = log.substr(0, oops.pos);  // ends with "\n" unless empty
    while (!before.empty() && reversed.size() < max_prefix) {
      before.remove_suffix(1);
      std::size_t newline = before.rfind('\n');
      std::size_t start = newline == std::string_view::npos ? 0 : newline + 1;
      std::string_view line = before.substr(start);
      before = before.substr(0, start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      Context context = context_of(line);
      auto [stripped, questionable] = strip_prefix(line, context);
      if (context == oops.context && !stripped.empty() && !questionable) {
        reversed.emplace_back(stripped);
      }
    }
    out.prefix.assign(reversed.rbegin(), reversed.rend());
  }

  std::size_t text_lines = 0;
  bool skip_text = false;
  bool cpu_traceback = false;
  std::string_view oops_line;
  std::size_t min_lines = 22;
  LineCursor cursor{log, oops.pos};
  std::string_view line;
  while (cursor.next(line)) {
    bool is_oops_line = cursor.line_start == oops.pos;
    if (is_oops_line) {
      oops_line = line;
      // KMSAN reports are shorter (no registers, no "Call Trace:").
      if (contains(oops_line, "BUG: KMSAN:")) min_lines = 16;
    }
    Context context = context_of(line);
    if (!is_oops_line && !(context == oops.context) &&
        (!cpu_traceback || !contains_match(rules.cpu_context.get(), context.tag))) {
      continue;
    }
    auto [stripped, questionable] = strip_prefix(line, context);
    if (!is_oops_line && questionable) continue;
    ++text_lines;
    bool skip_line = skip_text;
    if (contains(line, "Disabling lock debugging due to kernel taint")) {
      skip_line = true;
    } else if (contains(line, "Sending NMI from CPU")) {
      // A traceback of all CPUs follows; keep the other CPUs' lines too.
      cpu_traceback = true;
    } else if ((contains(line, panic_marker) ||
                contains(line, "WARNING: possible circular locking dependency detected")) &&
               text_lines > min_lines) {
      // The panic after a WARNING (panic_on_warn) and lockdep splats caused by the oops itself
      // only repeat the stack; once the report is long enough, drop them.
      skip_text = true;
      skip_line = true;
    }
    if (!is_oops_line && skip_line) continue;
    out.text.append(stripped);
    out.text += '\n';
    if (cursor.line_start < next_report || oops.context.has_tag()) out.report_end = out.text.size();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Titles.

void append_frames(std::vector<std::string>& frames, const Groups& groups, const RE2* skip) {
  for (std::size_t i = 1; i < groups.size(); ++i) {
    if (!groups[i]) continue;
    std::string frame = demangle_symbol(*groups[i]);
    if (!contains_match(skip, frame)) frames.push_back(std::move(frame));
  }
}

std::optional<Groups> first_frame_line(std::string_view line) {
  const CompiledRules& rules = compiled();
  // Most lines are no frame at all: one test of the alternation rules them out.
  if (!contains_match(rules.any_frame_line.get(), line)) return std::nullopt;
  for (const auto& re : rules.frame_lines) {
    if (auto groups = search(*re, line)) return groups;
  }
  return std::nullopt;
}

// Walks the report following `parts`; returns one frame per stack and whether all were found.
std::pair<std::vector<Frame>, bool> extract_frames_with(
    const CompiledStack& stack, const std::vector<std::unique_ptr<RE2>>& parts,
    std::string_view text) {
  const CompiledRules& rules = compiled();
  std::vector<std::string_view> lines = split_lines(text);
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
      while (next_line < lines.size()) {
        std::string_view line = lines[next_line++];
        if (contains_match(rules.corrupted_lines.get(), line)) {
          ok = false;
          break;
        }
        if (contains_match(rules.any_stack_start.get(), line)) break;
        if (part + 1 != parts.size()) {
          if (auto groups = search(*parts[part + 1], line)) {
            append_frames(raw_frames, *groups, stack.skip.get());
            ++part;
            break;
          }
        }
        if (auto groups = first_frame_line(line)) {
          append_frames(raw_frames, *groups, stack.skip.get());
        }
      }
    } else {
      while (next_line < lines.size()) {
        std::string_view line = lines[next_line++];
        if (contains_match(rules.corrupted_lines.get(), line)) {
          ok = false;
          break;
        }
        if (auto groups = search(*parts[part], line)) {
          append_frames(raw_frames, *groups, stack.skip.get());
          break;
        }
      }
    }
  }
  return {results, ok};
}

std::pair<std::vector<Frame>, bool> extract_frames(const CompiledStack& stack,
                                                   std::string_view text) {
  auto result = extract_frames_with(stack, stack.parts, text);
  if (result.second || stack.fallback_parts.empty()) return result;
  return extract_frames_with(stack, stack.fallback_parts, text);
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

Description describe(std::string_view text, const CompiledKind& kind) {
  Description out;
  std::size_t start = text.size();
  bool matched_title = false;
  // Which title patterns occur at all, in one pass; only those are searched for where.
  std::vector<bool> occurs = kind.titles->may_occur(text);
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
      auto [extracted, ok] = extract_frames(*format.stack, text.substr(from));
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
      std::vector<std::string> variant_args = captures;
      bool changed = variant == 0;
      for (const Frame& frame : frames) {
        std::string name = frame.raw;
        if (variant > 0) {
          std::string_view prefix = prefixes[variant - 1];
          if (name.compare(0, prefix.size(), prefix) == 0) {
            name = name.substr(prefix.size());
            changed = true;
          }
        }
        variant_args.push_back(std::move(name));
      }
      if (!changed) continue;
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
std::string corruption_of(std::string_view title, std::string_view report,
                          const CompiledFormat* format) {
  const CompiledRules& rules = compiled();
  if (contains_match(rules.corrupted_title.get(), title)) return "title matches corrupted regexp";
  if (format == nullptr || format->source->no_stack_trace) return "";
  bool has_stack_trace = false;
  // Which stack starts occur at all, in one pass; only those are searched for where.
  std::vector<bool> occurs = rules.stack_start_set->may_occur(report);
  for (std::size_t i = 0; i < rules.stack_starts.size(); ++i) {
    if (!occurs[i]) continue;
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
    bool corrupted = true;
    for (std::size_t i = 1; i < 16 && i < lines.size(); ++i) {
      if (contains_match(rules.any_stack_start.get(), lines[i])) break;
      if (contains(lines[i], "(stack is not available)") ||
          contains_match(rules.any_frame_line.get(), lines[i])) {
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
  auto groups = search(*compiled().executor_comm, report);
  if (!groups) return std::nullopt;
  ExecutorInfo info;
  std::string_view proc = *(*groups)[1];
  std::string_view id = *(*groups)[2];
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
  LineCursor first{log, start};
  std::string_view first_line;
  first.next(first_line);
  const OopsStart oops{bounds.kind, start, context_of(first_line)};
  CollectedReport collected =
      collect_report(log, oops, std::max(bounds.next_report, bounds.base) - bounds.base);
  CrashReport out;
  out.start = bounds.start;
  out.end = bounds.end;
  Description description =
      describe(std::string_view(collected.text).substr(0, collected.report_end), *oops.kind);
  std::vector<std::string> prefix = std::move(collected.prefix);
  std::string report_text = std::move(collected.text);
  if (description.title.empty()) {
    // The header was hidden in what looked like a console prefix: retry on the raw lines.
    prefix.clear();
    std::size_t raw_end = std::max(start, std::min(bounds.end - bounds.base, log.size()));
    report_text = std::string(log.substr(start, raw_end - start));
    description = describe(report_text, *oops.kind);
  }
  out.title = normalize_title(description.title);
  for (std::string& alt : description.alt_titles) alt = normalize_title(alt);
  out.alt_titles = std::move(description.alt_titles);
  out.corrupted_reason = std::move(description.corrupted);
  for (const std::string& line : prefix) {
    out.report += line;
    out.report += '\n';
  }
  out.report_prefix_len = out.report.size();
  out.report += report_text;
  out.executor = executor_of(out.report);
  if (out.corrupted_reason.empty()) {
    // Judged on the title before normalisation, which still shows merged console prefixes.
    out.corrupted_reason = corruption_of(description.title, report_text, description.format);
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
