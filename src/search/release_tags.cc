#include "search/release_tags.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace culprit::search {

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

std::vector<std::string> pick_release_tags(const std::vector<std::string>& names) {
  std::vector<std::pair<ReleaseVersion, std::string>> releases;
  for (const std::string& name : names) {
    if (const auto version = parse_release_tag(name)) releases.emplace_back(*version, name);
  }
  std::sort(releases.begin(), releases.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  releases.erase(std::unique(releases.begin(), releases.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 releases.end());

  // Newest first: the point releases above the newest x.y release, then the x.y releases (point
  // releases of older branches are not walked).
  std::vector<std::string> point_releases;
  std::vector<std::string> minor_releases;
  for (const auto& [version, name] : releases) {
    if (version.patch == 0) {
      minor_releases.push_back(name);
    } else if (minor_releases.empty()) {
      point_releases.push_back(name);
    }
  }

  std::vector<std::string> picked;
  for (std::size_t i = 0; i < std::min<std::size_t>(2, point_releases.size()); ++i) {
    picked.push_back(point_releases[i]);
  }
  if (point_releases.size() > 5) picked.push_back(point_releases[point_releases.size() / 2]);
  // The step between tested releases grows with age: every one of the 3 newest, then every 2nd,
  // from the 11th every 3rd (counted by position), and always the oldest as the walk's last stop.
  for (std::size_t i = 0; i < minor_releases.size(); ++i) {
    const std::size_t step = i < 3 ? 1 : (i < 11 ? 2 : 3);
    if (i % step == 0 || i + 1 == minor_releases.size()) picked.push_back(minor_releases[i]);
  }
  return picked;
}

}  // namespace culprit::search
