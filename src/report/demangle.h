// Demangling of the C++ and Rust symbols that appear in kernel stack traces (Rust drivers, C++
// test modules), for titles and frames (internal to src/report).
#pragma once

#include <string>
#include <string_view>

namespace culprit::report {

// Rewrites a mangled C++ (_Z...) or Rust v0 (_R...) symbol into a readable name without
// parameters; other names are returned unchanged.
std::string demangle_symbol(std::string_view name);

}  // namespace culprit::report
