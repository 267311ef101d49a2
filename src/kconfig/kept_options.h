// The options config minimization never drops, whatever the reproducer seems to need: the
// detectors that make a bug visible (a kernel without lockdep does not crash on a lock-order bug,
// it just runs), and the reporting they rely on. Dropping one would "minimize" the bug away with
// the first candidate that lacks it, and the bisection would then chase a config that cannot show
// the crash. (What culprit's VM needs to boot is kept too: builder::required_boot_options().)
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace culprit::kconfig {

struct KeptOptionRule {
  std::string_view name;  // an option name, or a prefix when `prefix` is set
  bool prefix = false;
  std::string_view why;
};

// The rules, as a table (docs/config-minimization.md lists them).
std::span<const KeptOptionRule> kept_option_rules();

// Why `name` (no CONFIG_ prefix) is kept; nothing when minimization may drop it.
std::optional<std::string_view> why_kept(std::string_view name);

}  // namespace culprit::kconfig
