// A kernel .config as a set of options: what `make olddefconfig` wrote, read back, so that config
// minimization (kconfig/minimizer.h) works on what the kernel really got and not on what it asked
// for. Names are kept without the CONFIG_ prefix; an option that is "not set" is absent.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::kconfig {

// Option name (no CONFIG_ prefix) -> value as written: "y", "m", a number or a quoted string.
using ConfigValues = std::map<std::string, std::string>;

// The options set in a .config's text. Comments ("# CONFIG_X is not set" included) and lines
// that are not `CONFIG_NAME=VALUE` are ignored.
ConfigValues parse_config(std::string_view text);

// Whether `name` is built in or a module (a bool or tristate that is on).
bool enabled(const ConfigValues& config, const std::string& name);

// Options on (y or m) in `config`.
std::size_t count_enabled(const ConfigValues& config);

// The options minimization may drop: on in `full`, off in `base`, and not kept (`kept` says which
// must stay whatever the search finds: the debug options that make the bug visible and what the
// VM needs to boot). Sorted by name, so that the search is the same on every run of a job.
std::vector<std::string> config_diff(const ConfigValues& base, const ConfigValues& full,
                                     const std::function<bool(const std::string&)>& kept);

// `full_text` with every option of `dropped` turned off ("# CONFIG_X is not set"), every other
// line as it was: what `make olddefconfig` then resolves (turning off what depended on them).
std::string without_options(std::string_view full_text, const std::set<std::string>& dropped);

// Options of `wanted` that `config` does not have on: what a resolved config lost.
std::vector<std::string> missing_options(const ConfigValues& config,
                                         const std::vector<std::string>& wanted);

}  // namespace culprit::kconfig
