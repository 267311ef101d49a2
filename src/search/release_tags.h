// Release tags: which tags are releases, their order, and the thinned list the release walk tests
// (syzbot's pickReleaseTags, reference §1.4). Pure functions over tag names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/release_version.h"

namespace culprit::search {

// Which tag names are releases: base/release_version.h.
using culprit::parse_release_tag;
using culprit::ReleaseVersion;

// The release tags a release walk can stop at, newest first: the point releases above the newest
// x.y release, then every x.y release (point releases of older branches are left out: they are not
// ancestors of the newer releases). Non-release names are ignored; of equal versions, one.
std::vector<std::string> walkable_release_tags(const std::vector<std::string>& names);

// From release tag names (any order; non-release names are ignored) returns the ones to test,
// newest first: before the newest x.y release, the 2 newest point releases plus the middle one
// when there are more than 5; then x.y releases: the 3 newest, every 2nd up to the 11th, every
// 3rd after that, and always the oldest.
std::vector<std::string> pick_release_tags(const std::vector<std::string>& names);

}  // namespace culprit::search
