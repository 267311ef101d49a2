#include "builder/compiler_table.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/files.h"
#include "base/text.h"

namespace culprit::builder {

Result<CompilerTable> CompilerTable::parse(std::string_view text, const std::string& source_name) {
  CompilerTable table;
  bool has_default = false;
  int line_number = 0;
  for (std::string_view line : split_lines(text)) {
    ++line_number;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::size_t split = line.find_first_of(" \t");
    std::string_view key = line.substr(0, split);
    std::string_view compiler =
        split == std::string_view::npos ? std::string_view() : trim(line.substr(split));
    if (compiler.empty()) {
      return make_error(fmt::format("{}:{}: expected `RELEASE COMPILER`, got `{}`", source_name,
                                    line_number, line));
    }
    if (key == "default") {
      if (has_default) {
        return make_error(fmt::format("{}:{}: second `default` line", source_name, line_number));
      }
      has_default = true;
      table.default_ = std::string(compiler);
      continue;
    }
    std::optional<ReleaseVersion> version = parse_release_tag(key);
    if (!version) {
      return make_error(
          fmt::format("{}:{}: `{}` is not a release tag (vX.Y or vX.Y.Z) or `default`", source_name,
                      line_number, key));
    }
    for (const Entry& entry : table.entries_) {
      if (entry.from == *version) {
        return make_error(
            fmt::format("{}:{}: release {} listed twice", source_name, line_number, key));
      }
    }
    table.entries_.push_back({*version, std::string(key), std::string(compiler)});
  }
  std::sort(table.entries_.begin(), table.entries_.end(),
            [](const Entry& a, const Entry& b) { return a.from > b.from; });
  return table;
}

Result<CompilerTable> CompilerTable::load(const std::string& path) {
  Result<std::string> text = read_file(path, "compiler table");
  if (!text) return make_error("cannot read compiler table: " + path);
  return parse(*text, path);
}

std::optional<std::string> CompilerTable::newest_release(const std::vector<std::string>& tags) {
  std::optional<std::string> newest;
  std::optional<ReleaseVersion> newest_version;
  for (const std::string& tag : tags) {
    std::optional<ReleaseVersion> version = parse_release_tag(tag);
    if (version && (!newest_version || *version > *newest_version)) {
      newest_version = version;
      newest = tag;
    }
  }
  return newest;
}

std::string CompilerTable::compiler_for(const std::vector<std::string>& tags) const {
  std::optional<std::string> newest = newest_release(tags);
  if (!newest) return default_;
  ReleaseVersion version = *parse_release_tag(*newest);
  for (const Entry& entry : entries_) {  // newest first: the first one not after `version`
    if (entry.from <= version) return entry.compiler;
  }
  return default_;
}

}  // namespace culprit::builder
