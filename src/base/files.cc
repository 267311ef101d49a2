#include "base/files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace culprit {

Result<std::string> read_file(const std::string& path, std::string_view what) {
  // An ifstream opens a folder without complaint and reads nothing from it.
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return make_error(fmt::format("cannot read {} {}: it is a folder", what, path));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return make_error(fmt::format("cannot read {} {}: {}", what, path, std::strerror(errno)));
  }
  std::ostringstream data;
  data << file.rdbuf();
  if (file.bad()) return make_error(fmt::format("cannot read {} {}", what, path));
  return std::move(data).str();
}

}  // namespace culprit
