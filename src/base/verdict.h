// What the runs of one commit say: it crashes (bad, in cause mode's git terms), it does not (good),
// or it tells nothing (skip). Shared by search (which decides it) and store (which records it).
#pragma once

#include <optional>
#include <string_view>

namespace culprit {

enum class Verdict { good, bad, skip };
std::string_view to_string(Verdict verdict);
std::optional<Verdict> verdict_from_string(std::string_view name);

}  // namespace culprit
