#include "report/fast_match.h"

namespace culprit::report::detail {
namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// [a-zA-Z0-9_]
bool is_word(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// The end of the run of bytes from `i` that satisfy `in_class`.
template <typename Class>
std::size_t run_end(std::string_view text, std::size_t i, Class in_class) {
  while (i < text.size() && in_class(text[i])) ++i;
  return i;
}

// {PC} = \[\<?(?:0x)?[0-9a-f]+\>?\] at `i`: where it ends, or npos. Every optional part is
// taken when present: leaving it out cannot make a match (the byte it starts with must then
// match what follows, which it cannot: "<" and "x" are no hex digits).
std::size_t pc_end(std::string_view text, std::size_t i) {
  if (i >= text.size() || text[i] != '[') return std::string_view::npos;
  ++i;
  if (i < text.size() && text[i] == '<') ++i;
  if (text.substr(i, 2) == "0x") i += 2;
  std::size_t digits = run_end(text, i, is_hex);
  if (digits == i) return std::string_view::npos;
  i = digits;
  if (i < text.size() && text[i] == '>') ++i;
  if (i >= text.size() || text[i] != ']') return std::string_view::npos;
  return i + 1;
}

// {FUNC} = ([a-zA-Z0-9_]+)(?:\.|\+) at `i`: the name (the longest run of word bytes: a shorter
// one is followed by a word byte, not by "." or "+"), or nullopt.
std::optional<std::string_view> func_at(std::string_view text, std::size_t i) {
  std::size_t end = run_end(text, i, is_word);
  if (end == i || end >= text.size() || (text[end] != '.' && text[end] != '+')) return std::nullopt;
  return text.substr(i, end - i);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whether some "[" of `text` is followed by spaces and then what `rest` accepts; `rest` gets the
// text after the spaces and says whether it matches there. (" *" takes every space: what
// follows never starts with one.)
template <typename Rest>
bool any_bracket(std::string_view text, Rest rest) {
  for (std::size_t open = text.find('['); open != std::string_view::npos;
       open = text.find('[', open + 1)) {
    std::size_t i = run_end(text, open + 1, [](char c) { return c == ' '; });
    if (rest(text.substr(i))) return true;
  }
  return false;
}

// "<letter>[0-9]+\]" at the start of `text`.
bool tag_rest(std::string_view text, char letter) {
  if (text.empty() || text[0] != letter) return false;
  std::size_t end = run_end(text, 1, is_digit);
  return end > 1 && end < text.size() && text[end] == ']';
}

}  // namespace

bool has_task_tag(std::string_view text) {
  return any_bracket(text, [](std::string_view rest) { return tag_rest(rest, 'T'); });
}

bool has_cpu_tag(std::string_view text) {
  return any_bracket(text, [](std::string_view rest) { return tag_rest(rest, 'C'); });
}

bool has_timestamp(std::string_view text) {
  return any_bracket(text, [](std::string_view rest) {
    std::size_t dot = run_end(rest, 0, is_digit);
    if (dot == 0 || dot >= rest.size() || rest[dot] != '.') return false;
    std::size_t end = run_end(rest, dot + 1, is_digit);
    return end > dot + 1 && end < rest.size() && rest[end] == ']';
  });
}

std::optional<std::array<std::string_view, 2>> match_executor_comm(std::string_view text) {
  constexpr std::string_view kStart = " Comm: syz.";
  for (std::size_t at = text.find(kStart); at != std::string_view::npos;
       at = text.find(kStart, at + 1)) {
    std::size_t proc = at + kStart.size();
    std::size_t proc_end = run_end(text, proc, is_digit);
    if (proc_end == proc || proc_end >= text.size() || text[proc_end] != '.') continue;
    std::size_t id = proc_end + 1;
    std::size_t id_end = run_end(text, id, is_digit);
    if (id_end == id || id_end >= text.size() || text[id_end] != ' ') continue;
    return std::array{text.substr(proc, proc_end - proc), text.substr(id, id_end - id)};
  }
  return std::nullopt;
}

std::optional<std::string_view> match_file_reference(std::string_view line) {
  // [a-zA-Z0-9_\-\./]: a path's bytes. A match's path is all path bytes and is followed by ":",
  // which is none: it ends where its run of path bytes ends, and the leftmost match starts where
  // the run starts. So the first run that ends in "<word byte>.c" or ".h", then ":" and a digit.
  auto is_path = [](char c) { return is_word(c) || c == '-' || c == '.' || c == '/'; };
  for (std::size_t start = 0; start < line.size();) {
    if (!is_path(line[start])) {
      ++start;
      continue;
    }
    std::size_t end = run_end(line, start, is_path);
    if (end - start >= 3 && line[end - 2] == '.' &&
        (line[end - 1] == 'c' || line[end - 1] == 'h') &&
        (is_word(line[end - 3]) || line[end - 3] == '-') && end + 1 < line.size() &&
        line[end] == ':' && is_digit(line[end + 1])) {
      return line.substr(start, end - start);
    }
    start = end;
  }
  return std::nullopt;
}

std::optional<FrameNames> match_frame_line(std::string_view line) {
  const std::size_t indent = run_end(line, 0, [](char c) { return c == ' '; });
  // ^ *(?:{PC} ){0,2}{FUNC}: the function name cannot start with "[", so with fewer PCs than
  // are there it cannot match either.
  std::size_t i = indent;
  for (int pcs = 0; pcs < 2; ++pcs) {
    std::size_t end = pc_end(line, i);
    if (end == std::string_view::npos || end >= line.size() || line[end] != ' ') break;
    i = end + 1;
  }
  if (auto name = func_at(line, i)) return FrameNames{.names = {*name, {}}, .count = 1};
  // ^ *{PC} \(([a-zA-Z0-9_.]+)\) from {PC} \({FUNC}: arm's "[<pc>] (callee) from [<pc>] (caller".
  i = pc_end(line, indent);
  if (i == std::string_view::npos || line.substr(i, 2) != " (") return std::nullopt;
  i += 2;
  std::size_t callee_end = run_end(line, i, [](char c) { return is_word(c) || c == '.'; });
  if (callee_end == i) return std::nullopt;
  std::string_view callee = line.substr(i, callee_end - i);
  constexpr std::string_view kFrom = ") from ";
  if (line.substr(callee_end, kFrom.size()) != kFrom) return std::nullopt;
  i = pc_end(line, callee_end + kFrom.size());
  if (i == std::string_view::npos || line.substr(i, 2) != " (") return std::nullopt;
  auto caller = func_at(line, i + 2);
  if (!caller) return std::nullopt;
  return FrameNames{.names = {callee, *caller}, .count = 2};
}

std::optional<std::string_view> match_frame_in_title(std::string_view title) {
  // [a-zA-Z0-9_:]
  auto is_name = [](char c) { return is_word(c) || c == ':'; };
  // The leftmost match starts at the start of the first line ("." is not "\n") that has one;
  // in it ".*" takes as much as it can: the last " in " followed by a name wins.
  for (std::size_t line = 0; line <= title.size();) {
    std::size_t newline = title.find('\n', line);
    if (newline == std::string_view::npos) newline = title.size();
    std::string_view text = title.substr(line, newline - line);
    for (std::size_t at = text.rfind(" in "); at != std::string_view::npos;
         at = at == 0 ? std::string_view::npos : text.rfind(" in ", at - 1)) {
      std::size_t i = at + 4;
      std::size_t name = i;
      if (i < text.size() && text[i] == '<') {
        // (?:<[a-zA-Z0-9_: ]+>)? is taken when it matches; leaving it out leaves "<", no name.
        std::size_t close = run_end(text, i + 1, [&](char c) { return is_name(c) || c == ' '; });
        if (close == i + 1 || close >= text.size() || text[close] != '>') continue;
        name = close + 1;
      }
      std::size_t end = run_end(text, name, is_name);
      if (end == name) continue;
      return text.substr(i, end - i);
    }
    line = newline + 1;
  }
  return std::nullopt;
}

}  // namespace culprit::report::detail
