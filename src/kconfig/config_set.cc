#include "kconfig/config_set.h"

#include <algorithm>

#include "base/text.h"

namespace culprit::kconfig {
namespace {

constexpr std::string_view kPrefix = "CONFIG_";
constexpr std::string_view kNotSet = " is not set";

// The option a line sets or unsets ("CONFIG_X=..." or "# CONFIG_X is not set"); "" for others.
std::string_view option_of_line(std::string_view line) {
  if (line.starts_with(kPrefix)) {
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) return {};
    return line.substr(kPrefix.size(), equals - kPrefix.size());
  }
  if (line.starts_with("# ") && line.ends_with(kNotSet) && line.substr(2).starts_with(kPrefix)) {
    std::string_view rest = line.substr(2 + kPrefix.size());
    return rest.substr(0, rest.size() - kNotSet.size());
  }
  return {};
}

}  // namespace

ConfigValues parse_config(std::string_view text) {
  ConfigValues config;
  for (std::string_view line : split_lines(text)) {
    if (!line.starts_with(kPrefix)) continue;
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == kPrefix.size()) continue;
    config[std::string(line.substr(kPrefix.size(), equals - kPrefix.size()))] =
        std::string(line.substr(equals + 1));
  }
  return config;
}

bool enabled(const ConfigValues& config, const std::string& name) {
  auto found = config.find(name);
  return found != config.end() && (found->second == "y" || found->second == "m");
}

std::size_t count_enabled(const ConfigValues& config) {
  return static_cast<std::size_t>(
      std::count_if(config.begin(), config.end(),
                    [](const auto& entry) { return entry.second == "y" || entry.second == "m"; }));
}

std::vector<std::string> config_diff(const ConfigValues& base, const ConfigValues& full,
                                     const std::function<bool(const std::string&)>& kept) {
  std::vector<std::string> diff;
  for (const auto& [name, value] : full) {
    if (enabled(full, name) && !enabled(base, name) && !kept(name)) diff.push_back(name);
  }
  return diff;  // std::map order: sorted by name
}

std::string without_options(std::string_view full_text, const std::set<std::string>& dropped) {
  std::string out;
  out.reserve(full_text.size());
  for (std::string_view line : split_lines(full_text)) {
    std::string_view option = option_of_line(line);
    if (!option.empty() && dropped.count(std::string(option))) {
      out += "# CONFIG_";
      out += option;
      out += kNotSet;
    } else {
      out += line;
    }
    out += '\n';
  }
  return out;
}

std::vector<std::string> missing_options(const ConfigValues& config,
                                         const std::vector<std::string>& wanted) {
  std::vector<std::string> missing;
  for (const std::string& name : wanted) {
    if (!enabled(config, name)) missing.push_back(name);
  }
  return missing;
}

}  // namespace culprit::kconfig
