#include "report/console_lines.h"

#include <algorithm>
#include <functional>

#include "report/compiled_rules.h"
#include "report/literal_scanner.h"
#include "report/oops_table.h"
#include "report/regex_util.h"

namespace culprit::report::detail {
namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

// Parses "[<level>][  123.456789][  T123] " at the start of `line` (level and caller tag
// optional): where the prefix ends (past its space), or npos if the line does not start like
// that (`context` is then left alone). Every line of a console goes through here once: plain
// pointer loops, no lambdas over the view's bounds.
std::size_t parse_plain_prefix(std::string_view line, Context& context) {
  const char* const begin = line.data();
  const char* const end = begin + line.size();
  const char* p = begin;
  auto digits = [&p, end] {
    const char* start = p;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) ++p;
    return p != start;
  };
  auto spaces = [&p, end] {
    while (p != end && *p == ' ') ++p;
  };
  auto eat = [&p, end](char c) {
    if (p == end || *p != c) return false;
    ++p;
    return true;
  };
  constexpr std::size_t kNone = std::string_view::npos;
  if (eat('<') && !(digits() && eat('>'))) return kNone;
  if (!eat('[')) return kNone;
  spaces();
  if (!(digits() && eat('.') && digits() && eat(']'))) return kNone;
  const char* tag_start = p;
  if (eat('[')) {
    spaces();
    if ((eat('C') || eat('T')) && digits() && eat(']') && eat(' ')) {
      context =
          Context{.timestamped = true,
                  .tag = std::string_view(tag_start, static_cast<std::size_t>(p - 1 - tag_start))};
      return static_cast<std::size_t>(p - begin);
    }
    return kNone;
  }
  if (!eat(' ')) return kNone;
  context = Context{.timestamped = true};
  return static_cast<std::size_t>(p - begin);
}

// The line from `body` on (where its console prefix ends), and whether it is an unreliable
// stack frame (" ? func").
std::pair<std::string_view, bool> strip_from(std::string_view line, std::size_t body) {
  line = line.substr(body);
  // "(\[<addr>\])? \? " anywhere: the address part is optional, so " ? " decides. Most lines
  // have no "?" (one memchr), and "<EOI>" only matters for those that do.
  constexpr std::string_view kUnreliable = " (unreliable)";  // powerpc
  std::size_t mark =
      line.find('?') == std::string_view::npos ? std::string_view::npos : find_spaced(line, "? ");
  bool powerpc = mark == std::string_view::npos && line.ends_with(kUnreliable);
  if ((mark == std::string_view::npos && !powerpc) || contains(line, "<EOI>")) {
    return {line, false};
  }
  if (mark != std::string_view::npos) return {line.substr(mark + 2), true};
  return {line.substr(0, line.size() - kUnreliable.size()), true};
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

// A login prompt in front of a console prefix, with the space before it.
constexpr std::string_view kSpacedPrompt = " login: ";
static_assert(kSpacedPrompt.substr(1) == kLoginPrompt);

// The markers (ids in marker_texts() order) and, with the id after them, kSpacedPrompt: all found
// in the new lines by one Hyperscan pass. Each is rare, but searching for them one by one stops
// at every byte equal to their first (a capital letter, an "l": many per line).
const LiteralScanner& line_literals() {
  static const LiteralScanner scanner([] {
    std::vector<std::string> literals;
    for (const MarkerText& marker : marker_texts()) literals.emplace_back(marker.text);
    literals.emplace_back(kSpacedPrompt);
    return literals;
  }());
  return scanner;
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
  if (!line.starts_with("** ") && !has_login_prompt) {
    Context context;
    parse_plain_prefix(line, context);
    return context;
  }
  return match_console_prefix(line).value_or(Context{});
}

std::optional<Context> match_console_prefix(std::string_view line) {
  // The plain prefix at `base`, after the last " login: " that has one after it (".*" takes as
  // much as it can, within base's line: "." is not "\n"), else right at `base`.
  auto prefix_from = [&](std::size_t base) -> std::optional<Context> {
    constexpr std::string_view kPrompt = " login: ";
    std::size_t line_end = std::min(line.find('\n', base), line.size());
    Context context;
    if (line_end - base >= kPrompt.size()) {
      for (std::size_t at = line.rfind(kPrompt, line_end - kPrompt.size());
           at != std::string_view::npos && at >= base;
           at = at == 0 ? std::string_view::npos : line.rfind(kPrompt, at - 1)) {
        if (parse_plain_prefix(line.substr(at + kPrompt.size()), context) !=
            std::string_view::npos) {
          return context;
        }
      }
    }
    if (parse_plain_prefix(line.substr(base), context) != std::string_view::npos) return context;
    return std::nullopt;
  };
  // "** N printk messages dropped ** " is taken when it is there and the rest matches after it.
  constexpr std::string_view kDropped = " printk messages dropped ** ";
  if (line.starts_with("** ")) {
    std::size_t digits = 3;
    while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
    if (digits > 3 && line.substr(digits).starts_with(kDropped)) {
      if (auto context = prefix_from(digits + kDropped.size())) return context;
    }
  }
  return prefix_from(0);
}

std::pair<std::string_view, bool> strip_prefix(std::string_view line, const Context& context) {
  if (!context.timestamped) return {line, false};
  return strip_from(line, line.find("] ") + 2);
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
  // The bytes of the lines to cut.
  std::size_t last_newline = view_.find('\n', std::max(to, from + 1) - 1 - base_);
  std::string_view rest =
      bytes(from, last_newline == std::string_view::npos ? view_end : base_ + last_newline + 1);
  // Where the login prompts start (ascending), and the markers: one pass over the new lines.
  thread_local std::vector<std::size_t> prompts;
  struct Found {
    std::size_t pos;  // console offsets of the occurrence
    std::size_t end;
    LineMarker marker;
  };
  thread_local std::vector<Found> markers;
  prompts.clear();
  markers.clear();
  const std::vector<MarkerText>& marker_list = marker_texts();
  line_literals().scan(rest, [&](unsigned id, std::size_t end) {
    if (id < marker_list.size()) {
      markers.push_back(Found{.pos = from + end - marker_list[id].text.size(),
                              .end = from + end,
                              .marker = marker_list[id].marker});
    } else {
      prompts.push_back(from + end - kSpacedPrompt.size());
    }
    return true;
  });
  std::size_t next_prompt = 0;
  // Consecutive lines mostly share their caller tag: its key is hashed again only when it changes.
  std::string_view hashed_tag;
  std::uint64_t hashed_key = 0;
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
    while (next_prompt < prompts.size() && prompts[next_prompt] < line.pos) ++next_prompt;
    bool has_prompt = next_prompt < prompts.size() &&
                      prompts[next_prompt] + kSpacedPrompt.size() <= line.pos + text.size();
    // context_of() and strip_prefix() in one: a plain prefix's parse says where the text starts.
    Context context;
    std::size_t body = std::string_view::npos;
    if (!has_prompt && !text.starts_with("** ")) {
      body = parse_plain_prefix(text, context);
    } else {
      context = context_of(text, has_prompt);
      if (context.timestamped) body = text.find("] ") + 2;
    }
    auto [stripped, unreliable] =
        context.timestamped ? strip_from(text, body) : std::pair(text, false);
    auto offset = [&](std::string_view part) {
      return line.pos + static_cast<std::size_t>(part.data() - text.data());
    };
    line.timestamped = context.timestamped;
    if (context.timestamped) {
      if (hashed_tag.data() == nullptr || context.tag != hashed_tag) {
        hashed_tag = context.tag.data() == nullptr ? std::string_view("", 0) : context.tag;
        hashed_key = context_key(context);
      }
      line.context_key = hashed_key;
    }
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
  auto first = lines_.begin() + static_cast<std::ptrdiff_t>(added);
  for (const Found& found : markers) {
    auto line = std::upper_bound(first, lines_.end(), found.pos,
                                 [](std::size_t p, const ConsoleLine& l) { return p < l.pos; });
    --line;
    if (found.end <= line->end) line->markers |= found.marker;
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
