// Release tags: "v6.1" and "v6.1.5" are releases; "v6.2-rc1", "v6.1.0", "6.1" and anything else
// are not. Shared by the search (which release tags the walk tests) and the kernel build (which
// compiler a commit gets, from the newest release tag it contains).
#pragma once

#include <optional>
#include <string_view>

namespace culprit {

// v6.1 -> {6,1,0}; v6.1.5 -> {6,1,5}.
struct ReleaseVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  auto operator<=>(const ReleaseVersion&) const = default;
};

std::optional<ReleaseVersion> parse_release_tag(std::string_view name);

}  // namespace culprit
