#include "report/console_lines.h"

#include <algorithm>
#include <functional>

#include "report/compiled_rules.h"
#include "report/oops_table.h"
#include "report/regex_util.h"

namespace culprit::report::detail {
namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

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

// Markers looked for in every line, with the LineMarker each sets.
struct MarkerText {
  std::string_view text;
  LineMarker marker;
};

const std::vector<MarkerText>& marker_texts() {
  static const std::vector<MarkerText> texts = {
      {"Disabling lock debugging due to kernel taint", kTaintNote},
      {"Sending NMI from CPU", kAllCpuBacktrace},
      {console_rules().panic_marker, kRepeatedStack},
      {"WARNING: possible circular locking dependency detected", kRepeatedStack},
  };
  return texts;
}

}  // namespace

std::size_t find_spaced(std::string_view text, std::string_view word, std::size_t from) {
  for (std::size_t pos = text.find(word, std::max<std::size_t>(from + 1, 1));
       pos != std::string_view::npos; pos = text.find(word, pos + 1)) {
    if (text[pos - 1] == ' ') return pos - 1;
  }
  return std::string_view::npos;
}

Context context_of(std::string_view line) {
  return context_of(line, find_spaced(line, kLoginPrompt) != std::string_view::npos);
}

Context context_of(std::string_view line, bool has_login_prompt) {
  // Every console prefix contains "]": skip the regexp for the many lines without one.
  if (line.find(']') == std::string_view::npos) return {};
  // Most lines are a plain prefix; only lines with a dropped-messages note or a login prompt in
  // front of the prefix need the full pattern.
  if (line.substr(0, 3) != "** " && !has_login_prompt) {
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

void ConsoleLines::cover(std::string_view view, std::size_t base, std::size_t from,
                         std::size_t to) {
  view_ = view;
  base_ = base;
  auto held =
      std::lower_bound(lines_.begin() + static_cast<std::ptrdiff_t>(first_), lines_.end(), from,
                       [](const ConsoleLine& line, std::size_t pos) { return line.pos < pos; });
  // The lines held stay valid when `from` is where one of them starts (or where the next one
  // will), or the "\n" that ends one: a reader from there cuts the same lines after it.
  bool kept = from >= start_ && from <= covered_ && covered_ > start_ &&
              (from == covered_ || (held != lines_.end() && held->pos == from) ||
               view_[from - base_] == '\n');
  if (!kept) {
    lines_.clear();
    open_end_ = false;
    first_ = 0;
    start_ = from;
    covered_ = from;
  } else {
    first_ = static_cast<std::size_t>(held - lines_.begin());
    // Move the lines kept to the front once the dropped ones are the most.
    if (first_ >= 4096 && first_ * 2 >= lines_.size()) {
      lines_.erase(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(first_));
      first_ = 0;
    }
    // A last line that ended with the view, without a "\n", may have grown since.
    if (open_end_) {
      covered_ = lines_.back().pos;
      lines_.pop_back();
      open_end_ = false;
    }
  }
  if (covered_ < to) add_lines(to);
}

void ConsoleLines::add_lines(std::size_t to) {
  const std::size_t added = lines_.size();
  const std::size_t from = covered_;
  const std::size_t view_end = base_ + view_.size();
  // The login prompts (" login: ") of the lines to cut, found at once: the next one's offset.
  std::size_t last_newline = view_.find('\n', std::max(to, from + 1) - 1 - base_);
  std::string_view rest =
      bytes(from, last_newline == std::string_view::npos ? view_end : base_ + last_newline + 1);
  std::size_t prompt = find_spaced(rest, kLoginPrompt);
  while (covered_ < to && covered_ < view_end) {
    ConsoleLine line{.pos = covered_};
    std::size_t newline = view_.find('\n', covered_ - base_);
    line.end = newline == std::string_view::npos ? view_end : base_ + newline;
    covered_ = newline == std::string_view::npos ? view_end : line.end + 1;
    open_end_ = newline == std::string_view::npos;
    std::string_view text = bytes(line.pos, line.end);
    if (!text.empty() && text.back() == '\r') {
      text.remove_suffix(1);
      --line.end;
    }
    // (A prompt at the very start of a line is not preceded by a space of that line.)
    while (prompt != std::string_view::npos && from + prompt < line.pos) {
      prompt = find_spaced(rest, kLoginPrompt, prompt + 1);
    }
    bool has_prompt = prompt != std::string_view::npos &&
                      from + prompt + 1 + kLoginPrompt.size() <= line.pos + text.size();
    Context context = context_of(text, has_prompt);
    auto [stripped, unreliable] = strip_prefix(text, context);
    auto offset = [&](std::string_view part) {
      return line.pos + static_cast<std::size_t>(part.data() - text.data());
    };
    line.timestamped = context.timestamped;
    line.context_key = context_key(context);
    if (context.has_tag()) {
      line.tag = offset(context.tag);
      line.tag_size = context.tag.size();
    }
    line.body = offset(stripped);
    line.body_end = line.body + stripped.size();
    line.unreliable = unreliable;
    lines_.push_back(line);
  }
  // The markers, found in all the new lines at once (each is rare: one search of the bytes is
  // much cheaper than one per line).
  if (lines_.size() == added) return;
  std::string_view region = bytes(from, covered_);
  auto first = lines_.begin() + static_cast<std::ptrdiff_t>(added);
  for (const MarkerText& marker : marker_texts()) {
    for (std::size_t at = region.find(marker.text); at != std::string_view::npos;
         at = region.find(marker.text, at + 1)) {
      std::size_t pos = from + at;
      auto line = std::upper_bound(first, lines_.end(), pos,
                                   [](std::size_t p, const ConsoleLine& l) { return p < l.pos; });
      --line;
      if (pos + marker.text.size() <= line->end) line->markers |= marker.marker;
    }
  }
}

std::uint64_t ConsoleLines::context_key(const Context& context) {
  if (!context.timestamped) return 0;
  return std::hash<std::string_view>()(context.tag) | 1;
}

std::pair<const ConsoleLine*, const ConsoleLine*> ConsoleLines::range(std::size_t from,
                                                                      std::size_t to) const {
  const ConsoleLine* begin = lines_.data() + first_;
  const ConsoleLine* end = lines_.data() + lines_.size();
  auto before = [](const ConsoleLine& line, std::size_t pos) { return line.pos < pos; };
  const ConsoleLine* low = std::lower_bound(begin, end, from, before);
  const ConsoleLine* high = std::lower_bound(low, end, to, before);
  return {low, high};
}

}  // namespace culprit::report::detail
