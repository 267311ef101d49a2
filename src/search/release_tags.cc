#include "search/release_tags.h"

#include <algorithm>
#include <utility>

namespace culprit::search {

std::vector<std::string> walkable_release_tags(const std::vector<std::string>& names) {
  std::vector<std::pair<ReleaseVersion, std::string>> releases;
  for (const std::string& name : names) {
    if (const auto version = parse_release_tag(name)) releases.emplace_back(*version, name);
  }
  std::sort(releases.begin(), releases.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  releases.erase(std::unique(releases.begin(), releases.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 releases.end());
  std::vector<std::string> walkable;
  bool minor_seen = false;
  for (const auto& [version, name] : releases) {
    minor_seen = minor_seen || version.patch == 0;
    if (version.patch == 0 || !minor_seen) walkable.push_back(name);
  }
  return walkable;
}

std::vector<std::string> pick_release_tags(const std::vector<std::string>& names) {
  // Newest first: the point releases above the newest x.y release, then the x.y releases.
  std::vector<std::string> point_releases;
  std::vector<std::string> minor_releases;
  for (const std::string& name : walkable_release_tags(names)) {
    if (parse_release_tag(name)->patch == 0) {
      minor_releases.push_back(name);
    } else {
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
