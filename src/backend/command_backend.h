// The command backend (`culprit bisect --build CMD --test CMD`): the user's build command in the
// checkout (builder::CommandBuilder), then the test command once per run (runner::CommandRunner),
// like `git bisect run` with several runs per commit.
#pragma once

#include <string>

#include "backend/backend.h"

namespace culprit::backend {

struct CommandBackendOptions {
  std::string build_command;  // shell command; empty: nothing to build
  std::string test_command;   // shell command, once per run
  std::string artifact;       // the build's output, relative to the checkout; empty: none
  int build_timeout_s = 3600;
  int test_timeout_s = 600;
  int jobs = 1;  // runs at once
};

Backend make_command_backend(const CommandBackendOptions& options);

}  // namespace culprit::backend
