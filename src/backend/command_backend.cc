#include "backend/command_backend.h"

#include <chrono>
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
  backend.key = fmt::format("command\nbuild={}\ntest={}\nartifact={}", options.build_command,
                            options.test_command, options.artifact);
  backend.builder = std::make_unique<builder::CommandBuilder>(build_config);
  backend.runner = std::make_unique<runner::CommandRunner>(run_config);
  return backend;
}

}  // namespace culprit::backend
