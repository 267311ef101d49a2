// Reading a whole file the user named (a MAINTAINERS file, a console log, a kernel config), with an
// error that says which file and what it was for.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace culprit {

// The bytes of the file at `path`. `what` says what the file is for the error message:
// read_file("x.log", "console log") fails with "cannot read console log x.log: No such file or
// directory".
Result<std::string> read_file(const std::string& path, std::string_view what);

}  // namespace culprit
