#include "report/compiled_rules.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "report/fast_match.h"
#include "report/regex_util.h"

namespace culprit::report::detail {
namespace {

// Shorter literal prefixes would find too many lines to confirm.
constexpr std::size_t kMinSuppressionPrefix = 5;

std::vector<std::unique_ptr<RE2>> compile_parts(const std::vector<std::string_view>& parts) {
  std::vector<std::unique_ptr<RE2>> out;
  for (std::string_view part : parts) {
    out.push_back(part == kStackFrames ? nullptr : compile_pattern(part));
  }
  return out;
}

std::vector<PartFinder> compile_finders(const std::vector<std::string_view>& parts) {
  std::vector<PartFinder> out;
  for (std::string_view part : parts) {
    PartFinder finder;
    if (part != kStackFrames) {
      finder.in_lines = compile_pattern("(?m)" + std::string(part));
      if (auto literals = literal_alternatives(expand_macros(part))) {
        finder.literals = std::move(*literals);
      }
    }
    out.push_back(std::move(finder));
  }
  return out;
}

std::unique_ptr<CompiledStack> compile_stack(const StackSpec& spec) {
  auto stack = std::make_unique<CompiledStack>();
  stack->parts = compile_parts(spec.parts);
  stack->fallback_parts = compile_parts(spec.fallback_parts);
  stack->parts_in_lines = compile_finders(spec.parts);
  stack->fallback_parts_in_lines = compile_finders(spec.fallback_parts);
  stack->skip = compile_any(spec.skip);
  stack->pick = spec.pick;
  return stack;
}

}  // namespace

std::size_t PartFinder::find(std::string_view text) const {
  if (!literals.empty()) {
    std::size_t first = std::string_view::npos;
    for (const std::string& literal : literals) first = std::min(first, text.find(literal));
    return first;
  }
  re2::StringPiece match;
  if (!in_lines->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED,
                       &match, 1)) {
    return std::string_view::npos;
  }
  return static_cast<std::size_t>(match.data() - text.data());
}

const CompiledRules& compiled() {
  static const CompiledRules* rules = [] {
    const ConsoleRules& source = console_rules();
    auto* out = new CompiledRules;
    std::vector<std::string> literals;
    std::map<const StackSpec*, const CompiledStack*> stacks;
    for (const OopsKind& kind : source.kinds) {
      CompiledKind compiled_kind;
      compiled_kind.source = &kind;
      for (const ReportFormat& format : kind.formats) {
        CompiledFormat compiled_format;
        compiled_format.source = &format;
        compiled_format.title = compile_pattern(format.title);
        if (!format.report.empty()) compiled_format.report = compile_pattern(format.report);
        if (format.stack != nullptr) {
          const CompiledStack*& stack = stacks[format.stack];
          if (stack == nullptr) {
            out->stacks.push_back(compile_stack(*format.stack));
            stack = out->stacks.back().get();
          }
          compiled_format.stack = stack;
        }
        compiled_kind.formats.push_back(std::move(compiled_format));
      }
      compiled_kind.not_oops = compile_any(kind.not_oops);
      std::vector<std::string_view> titles;
      for (const ReportFormat& format : kind.formats) titles.push_back(format.title);
      if (titles.size() > 1) compiled_kind.titles = std::make_unique<PatternPrefilter>(titles);
      out->kinds.push_back(std::move(compiled_kind));
      literals.emplace_back(kind.header);
    }
    out->info_base = literals.size();  // at most 64 kinds: their hits on a line fit a mask
    if (out->info_base > 64) {
      std::fprintf(stderr, "culprit: more than 64 kinds of report\n");
      std::abort();
    }
    for (std::string_view info : source.info_with_stack) literals.emplace_back(info);
    out->flag_base = literals.size();
    literals.emplace_back(source.panic_marker);
    literals.emplace_back(source.console_hangup);
    // A suppression is found by the literal it starts with and confirmed on its line (scanning
    // for literals is much faster than for regexps); one without such a literal is scanned for
    // as it is.
    std::vector<std::string> suppressions;
    for (std::string_view pattern : source.suppressions) {
      std::string prefix = literal_prefix(expand_macros(pattern));
      if (prefix.size() >= kMinSuppressionPrefix) {
        literals.push_back(std::move(prefix));
      } else {
        suppressions.push_back(expand_macros(pattern));
      }
    }
    out->suppression_regex_base = literals.size();
    out->scanner = std::make_unique<LiteralScanner>(literals, suppressions);
    out->suppressions = compile_any(source.suppressions);
    out->continuation_headers = std::make_unique<AnyPattern>(source.continuation_headers);
    for (std::string_view start : source.stack_starts) {
      out->stack_starts.push_back(compile_pattern(start));
      if (start == source.riscv_stack_start)
        out->riscv_stack_start = out->stack_starts.back().get();
    }
    out->any_stack_start = compile_any(source.stack_starts);
    for (std::string_view frame : source.frame_lines) {
      out->frame_lines.push_back(compile_pattern(frame));
      // A stack line gives at most two frames (detail::FrameNames).
      if (out->frame_lines.back()->NumberOfCapturingGroups() > 2) {
        std::fprintf(stderr, "culprit: frame-line pattern with more than 2 groups: %s\n",
                     std::string(frame).c_str());
        std::abort();
      }
    }
    out->any_frame_line = compile_any(source.frame_lines);
    out->fast_frame_lines = std::equal(source.frame_lines.begin(), source.frame_lines.end(),
                                       kFastFrameLines.begin(), kFastFrameLines.end());
    out->skip_frames = compile_any(source.skip_frames);
    out->corrupted_lines = compile_any(source.corrupted_lines);
    std::vector<std::string_view> hints = source.corrupted_lines;
    out->line_hints_stack_base = hints.size();
    hints.insert(hints.end(), source.stack_starts.begin(), source.stack_starts.end());
    out->line_hints = std::make_unique<PatternPrefilter>(hints, PatternPrefilter::Scope::kLines);
    out->stall_anchors = compile_any(source.stall_anchors);
    return out;
  }();
  return *rules;
}

}  // namespace culprit::report::detail
