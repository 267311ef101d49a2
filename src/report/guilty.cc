// Which source file to blame for a symbolized report.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/fast_match.h"
#include "report/oops_table.h"
#include "report/regex_util.h"
#include "report/report.h"

namespace culprit::report {
namespace {

// Lexical clean-up of a slash-separated path: no ".", no empty elements, ".." resolved where
// possible; "" becomes ".".
std::string clean_path(std::string_view path) {
  bool rooted = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(pos, slash - pos);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = slash + 1;
  }
  std::string out;
  if (rooted) out.push_back('/');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  if (out.empty()) out.push_back('.');
  return out;
}

std::string dir_of(std::string_view path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return clean_path(path.substr(0, slash + 1));
}

struct GuiltyRules {
  std::unique_ptr<RE2> ignored_file = compile_any(console_rules().guilty_file_ignores);
  std::unique_ptr<RE2> ignored_line = compile_pattern(console_rules().guilty_line_ignore);
  // A path with at least one more directory level below the current candidate's directory.
  std::unique_ptr<RE2> deeper_suffix =
      compile_pattern(R"(^/[a-zA-Z0-9_\-\./]+/[a-zA-Z0-9_\-]+\.(c|h)$)");
};

const GuiltyRules& rules() {
  static const GuiltyRules instance;
  return instance;
}

std::string guilty_file_in(std::string_view report) {
  const GuiltyRules& r = rules();
  std::string guilty;
  // Only lines holding ".c:" or ".h:" can hold a file reference: the next one is found by
  // searching the rest of the report at once, not line by line.
  std::size_t pos = 0;
  std::size_t next_c = report.find(".c:");
  std::size_t next_h = report.find(".h:");
  auto next_line = [&](std::string_view& line) {
    if (next_c != std::string_view::npos && next_c < pos) next_c = report.find(".c:", pos);
    if (next_h != std::string_view::npos && next_h < pos) next_h = report.find(".h:", pos);
    std::size_t at = std::min(next_c, next_h);
    if (at == std::string_view::npos) return false;
    std::size_t newline = report.rfind('\n', at);
    std::size_t start = newline == std::string_view::npos ? 0 : newline + 1;
    std::size_t end = std::min(report.find('\n', at), report.size());
    line = report.substr(start, end - start);
    pos = end + 1;
    return true;
  };
  // kFileReference, matched by hand.
  auto file_on = [](std::string_view line) { return detail::match_file_reference(line); };
  auto ignored = [&](std::string_view file, std::string_view line) {
    return contains_match(r.ignored_file.get(), file) || contains_match(r.ignored_line.get(), line);
  };
  std::string_view line;
  // The first reference to a file that is not generic infrastructure; failing that, the first
  // reference at all (so that the report still goes somewhere).
  while (next_line(line)) {
    auto file = file_on(line);
    if (!file) continue;
    if (guilty.empty()) guilty = std::string(*file);
    if (ignored(*file, line)) continue;
    guilty = clean_path(*file);
    break;
  }
  // Prefer a deeper path under the same directory further down the stack (a driver's own file
  // rather than its subsystem's core).
  std::string deepest_dir = dir_of(guilty);
  while (next_line(line)) {
    auto file = file_on(line);
    if (!file || ignored(*file, line)) continue;
    std::string clean = clean_path(*file);
    if (clean.compare(0, deepest_dir.size(), deepest_dir) != 0) continue;
    std::string_view suffix = std::string_view(clean).substr(deepest_dir.size());
    if (contains_match(r.deeper_suffix.get(), suffix)) {
      guilty = clean;
      deepest_dir = dir_of(guilty);
    }
  }
  return guilty;
}

}  // namespace

std::string guilty_file(std::string_view title, std::string_view report) {
  if (title.substr(0, 24) == "INFO: rcu detected stall") {
    // Stalls go through many generic frames before the looping code; start from the interrupt
    // entry instead.
    for (std::string_view entry :
         {"apic_timer_interrupt+0x", "el1h_64_irq+0x", "Exception stack"}) {
      std::size_t pos = report.find(entry);
      if (pos == std::string_view::npos) continue;
      std::string file = guilty_file_in(report.substr(pos));
      if (!file.empty()) return file;
    }
  }
  return guilty_file_in(report);
}

}  // namespace culprit::report
