// The command backend (`culprit bisect --build CMD --test CMD`): the user's build command in the
// checkout (builder::CommandBuilder), then the test command once per run (runner::CommandRunner),
// like `git bisect run` with several runs per commit.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

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

// Commands run in the checkout, but a user who types `--test ./repro.sh` means the script where
// they typed it. When `command`'s first word is a relative path with a '/': if that file exists
// relative to the current folder, it is made absolute (quoted for the shell); else if it exists in
// the repository `repo`, or it is the build's `artifact` (which exists only once a commit is
// built: `--test './app --selftest'` with `--artifact app`), it is left for the checkout; else the
// error says where it looked. `what` names the option ("--test"). Other commands come back
// unchanged.
Result<std::string> resolve_command_path(const std::string& command, std::string_view what,
                                         const std::string& repo, const std::string& artifact = "");

}  // namespace culprit::backend
