#include "backend/command_backend.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "builder/command_builder.h"
#include "runner/command_runner.h"

namespace culprit::backend {

Backend make_command_backend(const CommandBackendOptions& options) {
  builder::CommandBuildConfig build_config;
  build_config.command = options.build_command;
  build_config.artifact = options.artifact;
  build_config.timeout = std::chrono::seconds(options.build_timeout_s);

  runner::CommandRunConfig run_config;
  run_config.command = options.test_command;
  run_config.timeout = std::chrono::seconds(options.test_timeout_s);
  run_config.jobs = options.jobs;

  Backend backend;
  backend.run_slots = options.jobs;
  backend.key = fmt::format("command\nbuild={}\ntest={}\nartifact={}", options.build_command,
                            options.test_command, options.artifact);
  backend.builder = std::make_unique<builder::CommandBuilder>(build_config);
  backend.runner = std::make_unique<runner::CommandRunner>(run_config);
  return backend;
}

Result<std::string> resolve_command_path(const std::string& command, std::string_view what,
                                         const std::string& repo, const std::string& artifact) {
  const std::size_t begin = command.find_first_not_of(" \t");
  if (begin == std::string::npos) return command;
  const std::size_t end = std::min(command.find_first_of(" \t;|&<>", begin), command.size());
  const std::string word = command.substr(begin, end - begin);
  if (word.find('/') == std::string::npos || word.front() == '/' ||
      word.find_first_of("'\"$`\\*?~") != std::string::npos) {
    return command;
  }
  std::error_code error;
  const std::filesystem::path here = std::filesystem::current_path(error);
  if (std::filesystem::exists(here / word, error)) {
    const std::string absolute = (here / word).lexically_normal().string();
    if (absolute.find('\'') != std::string::npos) return command;  // cannot quote simply
    return command.substr(0, begin) + "'" + absolute + "'" + command.substr(end);
  }
  if (std::filesystem::exists(std::filesystem::path(repo) / word, error)) return command;
  if (!artifact.empty() && std::filesystem::path(word).lexically_normal() ==
                               std::filesystem::path(artifact).lexically_normal()) {
    return command;  // the build makes it in the checkout
  }
  return make_error(
      fmt::format("{} {}: no such file in {} (where the command was given) or in "
                  "the repository {} (where it runs)",
                  what, word, here.string(), repo));
}

}  // namespace culprit::backend
