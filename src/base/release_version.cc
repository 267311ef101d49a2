#include "base/release_version.h"

#include <charconv>
#include <vector>

namespace culprit {

namespace {

// A version component: 1-4 decimal digits without a leading zero (except "0" itself).
std::optional<int> parse_component(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;  // from_chars would take a sign
  }
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ReleaseVersion> parse_release_tag(std::string_view name) {
  if (!name.starts_with('v')) return std::nullopt;
  name.remove_prefix(1);
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t dot = name.find('.');
    parts.push_back(name.substr(0, dot));
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  if (parts.size() != 2 && parts.size() != 3) return std::nullopt;
  ReleaseVersion version;
  const auto major = parse_component(parts[0]);
  const auto minor = parse_component(parts[1]);
  if (!major || !minor) return std::nullopt;
  version.major = *major;
  version.minor = *minor;
  if (parts.size() == 3) {
    const auto patch = parse_component(parts[2]);
    // Stable releases count from .1; "v6.1.0" is not a tag Linux uses.
    if (!patch || *patch == 0) return std::nullopt;
    version.patch = *patch;
  }
  return version;
}

}  // namespace culprit
