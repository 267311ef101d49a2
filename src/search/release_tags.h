// Release tags: which tags are releases, their order, and the thinned list the release walk tests
// (syzbot's pickReleaseTags, reference §1.4). Pure functions over tag names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::search {

// v6.1 -> {6,1,0}; v6.1.5 -> {6,1,5}; v3.0 -> {3,0,0}. Not releases: v6.1-rc3, v6.1.5-foo, 6.1,
// anything else.
struct ReleaseVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  auto operator<=>(const ReleaseVersion&) const = default;
};
std::optional<ReleaseVersion> parse_release_tag(std::string_view name);

// From release tag names (any order; non-release names are ignored) returns the ones to test,
// newest first: before the newest x.y release, the 2 newest point releases plus the middle one
// when there are more than 5; then x.y releases: the 3 newest, every 2nd up to the 11th, every
// 3rd after that, and always the oldest.
std::vector<std::string> pick_release_tags(const std::vector<std::string>& names);

}  // namespace culprit::search
