// Finding a program the way execvp would: the first executable file of that name in $PATH.
#pragma once

#include <optional>
#include <string>

namespace culprit {

// The path of `name` in $PATH ("/usr/bin/gcc-12" for "gcc-12"), not resolving symlinks; nothing
// when no directory of $PATH has it. A name with a slash is returned as it is when executable.
std::optional<std::string> find_executable(const std::string& name);

}  // namespace culprit
