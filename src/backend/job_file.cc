#include "backend/job_file.h"

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace culprit::backend {
namespace {

namespace fs = std::filesystem;

// Keys whose values are paths: relative ones are taken from the job file's folder.
const std::set<std::string> kPathKeys = {
    "repo", "config", "repro", "repro-bin", "kernel-compilers", "state", "log", "json"};

}  // namespace

Result<std::vector<JobFileSetting>> read_job_file(const std::string& path,
                                                  const std::string& base_dir) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return make_error(fmt::format("job file {} is a folder", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("cannot read job file {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_job_file(text.str(), path, base_dir);
}

Result<std::vector<JobFileSetting>> parse_job_file(std::string_view text, const std::string& path,
                                                   const std::string& base_dir) {
  toml::table table;
  try {
    table = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& error) {
    return make_error(
        fmt::format("job file {}:{}: {}", path, error.source().begin.line, error.description()));
  }
  std::error_code ec;
  fs::path dir =
      fs::absolute(base_dir.empty() ? fs::path(path).parent_path() : fs::path(base_dir), ec);
  std::vector<JobFileSetting> settings;
  for (auto&& [key, node] : table) {
    JobFileSetting setting;
    setting.key = std::string(key.str());
    auto add = [&](const toml::node& value) {
      if (auto text = value.value_exact<std::string>()) {
        setting.values.push_back(kPathKeys.contains(setting.key) && fs::path(*text).is_relative()
                                     ? (dir / *text).lexically_normal().string()
                                     : *text);
      } else if (auto flag = value.value_exact<bool>()) {
        setting.values.push_back(*flag ? "true" : "false");
      } else if (auto number = value.value_exact<std::int64_t>()) {
        setting.values.push_back(std::to_string(*number));
      } else if (auto real = value.value_exact<double>()) {
        setting.values.push_back(fmt::format("{}", *real));
      } else {
        setting.bad_value = true;
      }
    };
    if (const toml::array* array = node.as_array()) {
      for (const toml::node& element : *array) add(element);
    } else {
      add(node);
    }
    settings.push_back(std::move(setting));
  }
  return settings;
}

}  // namespace culprit::backend
