#include "vcs/maintainers.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "base/text.h"

namespace culprit::vcs {
namespace {

// get_maintainer.pl leaves the "chief penguin" out unless asked (--git-chief-penguins).
constexpr std::string_view kChiefPenguin = "torvalds@linux-foundation.org";

bool is_tag_line(std::string_view line) {
  return line.size() >= 2 && line[0] >= 'A' && line[0] <= 'Z' && line[1] == ':';
}

bool has_wildcard(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

int count_slashes(std::string_view text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '/'));
}

RE2::Options regex_options() {
  RE2::Options options;
  // Paths and patches are bytes, not necessarily UTF-8.
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  return options;
}

// Perl's /x: blanks outside character classes are not part of the pattern.
std::string strip_extended_blanks(std::string_view pattern) {
  std::string result;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      result += c;
      result += pattern[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
    } else if (c == ' ' || c == '\t') {
      continue;
    } else if (c == '#') {
      break;  // a comment runs to the end of the (single-line) pattern
    }
    result += c;
  }
  return result;
}

// An F: or X: pattern, turned into a regex the way get_maintainer.pl does ("." literal, "*" any
// characters, "?" any one character, everything else as written, so "[ch]" stays a class).
struct FilePattern {
  std::string text;            // as written
  std::string literal_prefix;  // the part before the first wildcard, for a cheap pre-check
  std::unique_ptr<RE2> regex;  // anchored at the start of the path
  bool directory = false;      // written with a trailing "/"
  bool wildcard = false;
  int slashes = 0;
  int depth = 0;  // get_maintainer's specificity: "/" count, +1 without trailing "/", -1 for "*..."
};

FilePattern compile_file_pattern(std::string_view text) {
  FilePattern pattern;
  pattern.text = std::string(text);
  pattern.directory = !text.empty() && text.back() == '/';
  pattern.wildcard = has_wildcard(text);
  pattern.slashes = count_slashes(text);
  pattern.depth = pattern.slashes + (pattern.directory ? 0 : 1);
  if (!text.empty() && text.front() == '*') pattern.depth = -1;
  pattern.literal_prefix = std::string(text.substr(0, text.find_first_of("*?[")));
  if (!pattern.wildcard) return pattern;  // matched as a string, see matches()

  std::string regex = "^";
  for (char c : text) {
    if (c == '.') {
      regex += "\\.";
    } else if (c == '*') {
      regex += ".*";
    } else if (c == '?') {
      regex += '.';
    } else {
      regex += c;
    }
  }
  pattern.regex = std::make_unique<RE2>(regex, regex_options());
  if (!pattern.regex->ok()) {
    // Perl would have died on it; a literal reading is the most useful fallback.
    pattern.regex = std::make_unique<RE2>("^" + RE2::QuoteMeta(text), regex_options());
  }
  return pattern;
}

bool matches(const FilePattern& pattern, const std::string& file,
             const std::function<bool(const std::string&)>& is_directory) {
  if (!file.starts_with(pattern.literal_prefix)) return false;
  if (!pattern.wildcard) {
    if (pattern.directory) return true;  // the prefix check was the whole test
    const std::string_view rest = std::string_view(file).substr(pattern.text.size());
    // Below the pattern: it is a directory of the tree the file comes from.
    if (rest.starts_with('/')) return true;
    // get_maintainer matches a file pattern as a prefix within the same directory (so
    // "F: foo/bar" also covers "foo/bar.orig"), unless the pattern is a directory.
    if (rest.find('/') != std::string_view::npos) return false;
    if (!rest.empty() && is_directory && is_directory(pattern.text)) return false;
    return true;
  }
  if (!RE2::PartialMatch(file, *pattern.regex)) return false;
  return pattern.directory || count_slashes(file) == pattern.slashes;
}

std::string display_name(std::string_view text) {
  const std::size_t open = text.find('<');
  if (open == std::string_view::npos) return "";
  std::string_view name = trim(text.substr(0, open));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  return std::string(name);
}

// get_maintainer's wording for the M: entries of a section with this status.
std::string maintainer_role(std::string_view status) {
  const std::string text = lower(trim(status));
  if (text.empty()) return "unknown";
  if (text == "supported") return "supporter";
  if (text == "maintained") return "maintainer";
  if (text == "odd fixes") return "odd fixer";
  if (text == "orphan") return "orphan minder";
  if (text == "obsolete") return "obsolete minder";
  if (text == "buried alive in reporters") return "chief penguin";
  return text;
}

}  // namespace

struct Maintainers::Compiled {
  std::vector<FilePattern> files;
  std::vector<FilePattern> excluded;
  std::vector<std::unique_ptr<RE2>> name_regexes;
  std::vector<std::unique_ptr<RE2>> keywords;
};

Maintainers::Maintainers() = default;
Maintainers::Maintainers(Maintainers&&) noexcept = default;
Maintainers& Maintainers::operator=(Maintainers&&) noexcept = default;
Maintainers::~Maintainers() = default;

std::string email_address(std::string_view text) {
  const std::size_t open = text.find('<');
  if (open != std::string_view::npos) {
    const std::size_t close = text.find('>', open);
    if (close != std::string_view::npos) {
      std::string_view inside = trim(text.substr(open + 1, close - open - 1));
      return inside.find('@') == std::string_view::npos ? "" : lower(inside);
    }
  }
  // A bare address, possibly followed by a comment ("stable@vger.kernel.org # 5.10").
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find_first_of(" \t", start);
    std::string_view token =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!token.empty() &&
           std::string_view("\"'(,;").find(token.front()) != std::string_view::npos) {
      token.remove_prefix(1);
    }
    while (!token.empty() &&
           std::string_view("\"'),;.").find(token.back()) != std::string_view::npos) {
      token.remove_suffix(1);
    }
    if (token.find('@') != std::string_view::npos) return lower(token);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return "";
}

Maintainers Maintainers::parse(std::string_view text) {
  Maintainers result;
  std::string pending_title;
  int pending_line = 0;
  bool in_section = false;
  int line_number = 0;

  auto compile_regex = [&](std::string_view value, char tag) -> std::unique_ptr<RE2> {
    auto regex = std::make_unique<RE2>(strip_extended_blanks(value), regex_options());
    if (regex->ok()) return regex;
    result.problems_.push_back(fmt::format("line {}: cannot compile {}: regex {}: {}", line_number,
                                           tag, value, regex->error()));
    return nullptr;
  };

  std::size_t position = 0;
  while (position <= text.size()) {
    std::size_t end = text.find('\n', position);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(position, end - position);
    position = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const std::string_view stripped = trim(line);
    if (stripped.empty() || stripped.front() == '#') continue;
    if (!is_tag_line(line)) {
      // A title, or preamble prose: whichever line precedes the first tag line is a title.
      pending_title = std::string(stripped);
      pending_line = line_number;
      in_section = false;
      continue;
    }
    if (!in_section) {
      result.sections_.push_back(MaintainersSection{});
      result.sections_.back().title = pending_title;
      result.sections_.back().line = pending_line;
      result.compiled_.push_back(Compiled{});
      in_section = true;
    }
    MaintainersSection& section = result.sections_.back();
    Compiled& compiled = result.compiled_.back();
    const char tag = line[0];
    const std::string value(trim(line.substr(2)));
    if (value.empty()) continue;
    switch (tag) {
      case 'M':
        section.maintainers.push_back(value);
        break;
      case 'R':
        section.reviewers.push_back(value);
        break;
      case 'L': {
        MailingList list;
        if (value.find('<') != std::string::npos) {
          list.address = email_address(value);
          list.note = std::string(trim(value.substr(value.find('>') + 1)));
        } else {
          const std::size_t blank = value.find_first_of(" \t");
          list.address = value.substr(0, blank);
          if (blank != std::string::npos) list.note = std::string(trim(value.substr(blank)));
        }
        if (!list.address.empty()) section.lists.push_back(std::move(list));
        break;
      }
      case 'S':
        section.status = value;
        break;
      case 'F':
        section.files.push_back(value);
        compiled.files.push_back(compile_file_pattern(value));
        break;
      case 'X':
        section.excluded.push_back(value);
        compiled.excluded.push_back(compile_file_pattern(value));
        break;
      case 'N':
        if (auto regex = compile_regex(value, tag)) {
          section.name_regexes.push_back(value);
          compiled.name_regexes.push_back(std::move(regex));
        }
        break;
      case 'K':
        if (auto regex = compile_regex(value, tag)) {
          section.keywords.push_back(value);
          compiled.keywords.push_back(std::move(regex));
        }
        break;
      default:
        break;  // W:, T:, Q:, B:, C:, P: say nothing about whom to tell
    }
  }
  return result;
}

MaintainersAnswer Maintainers::find(const MaintainersQuery& query) const {
  // Matching sections in get_maintainer's order: keyword matches, then per file most specific
  // first.
  std::vector<std::size_t> order;
  std::vector<bool> seen(sections_.size(), false);
  auto take = [&](std::size_t index) {
    if (seen[index]) return;
    seen[index] = true;
    order.push_back(index);
  };

  if (!query.keyword_text.empty()) {
    for (std::size_t i = 0; i < sections_.size(); ++i) {
      for (const auto& keyword : compiled_[i].keywords) {
        if (RE2::PartialMatch(query.keyword_text, *keyword)) {
          take(i);
          break;
        }
      }
    }
  }

  for (std::string file : query.files) {
    while (file.starts_with("./")) file.erase(0, 2);
    std::vector<std::pair<int, std::size_t>> matched;  // (depth, section)
    for (std::size_t i = 0; i < sections_.size(); ++i) {
      const Compiled& compiled = compiled_[i];
      const bool excluded =
          std::any_of(compiled.excluded.begin(), compiled.excluded.end(),
                      [&](const FilePattern& p) { return matches(p, file, query.is_directory); });
      if (excluded) continue;
      std::optional<int> depth;
      for (const FilePattern& pattern : compiled.files) {
        if (matches(pattern, file, query.is_directory)) {
          depth = std::max(depth.value_or(pattern.depth), pattern.depth);
        }
      }
      for (const auto& regex : compiled.name_regexes) {
        if (RE2::PartialMatch(file, *regex)) depth = std::max(depth.value_or(0), 0);
      }
      if (depth) matched.emplace_back(*depth, i);
    }
    std::stable_sort(matched.begin(), matched.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [depth, index] : matched) take(index);
  }

  MaintainersAnswer answer;
  // As get_maintainer: one entry per person, known by address or by name (so a second address of
  // the same name is left out); the first one met, from the most specific section, is kept.
  std::map<std::string, std::size_t> by_address;
  std::map<std::string, std::size_t> by_name;
  auto add = [&](MaintainerContact contact) {
    if (contact.email.empty()) return;
    const std::string name = lower(contact.name);
    std::optional<std::size_t> known;
    if (auto it = by_address.find(contact.email); it != by_address.end()) known = it->second;
    if (auto it = by_name.find(name); !known && !name.empty() && it != by_name.end()) {
      known = it->second;
    }
    if (!known) {
      by_address.emplace(contact.email, answer.contacts.size());
      if (!name.empty()) by_name.emplace(name, answer.contacts.size());
      answer.contacts.push_back(std::move(contact));
      return;
    }
    MaintainerContact& existing = answer.contacts[*known];
    if (contact.to && !existing.to) {
      existing.to = true;
      existing.role = std::move(contact.role);
      existing.section = std::move(contact.section);
    }
  };

  for (std::size_t index : order) {
    const MaintainersSection& section = sections_[index];
    answer.sections.push_back(section.title);
    const std::string role = maintainer_role(section.status);
    const bool to = role == "maintainer" || role == "supporter";
    for (const std::string& entry : section.maintainers) {
      const std::string email = email_address(entry);
      if (email == kChiefPenguin) continue;
      add({display_name(entry), email, role, section.title, to});
    }
    for (const std::string& entry : section.reviewers) {
      add({display_name(entry), email_address(entry), "reviewer", section.title, false});
    }
  }
  bool other_list = false;
  for (std::size_t index : order) {
    const MaintainersSection& section = sections_[index];
    for (const MailingList& list : section.lists) {
      if (list.note.find("subscribers-only") != std::string::npos) continue;
      const std::string email = lower(list.address);
      const bool moderated = list.note.find("moderated") != std::string::npos;
      if (email != kLinuxKernelList) other_list = true;
      add({"", email, moderated ? "moderated list" : "open list", section.title, true});
    }
  }
  for (MaintainerContact& contact : answer.contacts) {
    if (contact.email == kLinuxKernelList && contact.role.ends_with("list")) {
      contact.to = !other_list;
    }
    (contact.to ? answer.to : answer.cc).push_back(contact.email);
  }
  std::sort(answer.to.begin(), answer.to.end());
  std::sort(answer.cc.begin(), answer.cc.end());
  return answer;
}

}  // namespace culprit::vcs
